// The `tfe-bridge:*` context: unknown keys and bad values fail synth naming the key and what is
// allowed, and a deploy of the example config, of plain-http destinations, or one that would
// rename live queues needs a confirming flag. Checked in process, through infra/app.ts as cdk.json
// runs it, and through the real `cdk synth` CLI.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { createBridgeApp } from '../../infra/bridge-app';
import { ContextError, readDeployContext } from '../../infra/deploy-context';
import { cdkJsonContext, EXAMPLE_CONFIG, removeTempDirs, tempDir, writeConfig } from './cdk-testing';

afterAll(removeTempDirs);

const ROOT = join(import.meta.dirname, '..', '..');

const HTTPS_CONFIG = `
routes:
  - id: hooks
    allowUnsigned: true
    destinations:
      - id: api
        url: https://api.example.com/hook
`;

const HTTP_CONFIG = `
routes:
  - id: local
    allowUnsigned: true
    allowInsecureHttp: true
    destinations:
      - id: api
        url: http://10.0.0.8/hook
`;

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ContextError) return error.problems;
    throw error;
  }
  throw new Error('expected a ContextError');
}

/** createBridgeApp as the CLI runs it: cdk.json's context (the example config by default), no bundling. */
const build = (context: Record<string, unknown>) =>
  createBridgeApp({
    outdir: tempDir('cdk-out'),
    env: {},
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
  });

describe('readDeployContext', () => {
  it('names an unknown key and suggests the closest known one', () => {
    expect(problemsOf(() => readDeployContext({ 'tfe-bridge:alarmEmial': 'ops@example.com' }))).toEqual([
      'tfe-bridge:alarmEmial: unknown context key, did you mean tfe-bridge:alarmEmail?',
    ]);
    expect(problemsOf(() => readDeployContext({ 'tfe-bridge:workermaxconcurrency': 5 }))).toEqual([
      'tfe-bridge:workermaxconcurrency: unknown context key, did you mean tfe-bridge:workerMaxConcurrency?',
    ]);
    // Nothing close: the whole list.
    const [far] = problemsOf(() => readDeployContext({ 'tfe-bridge:banana': 'x' }));
    expect(far).toMatch(/^tfe-bridge:banana: unknown context key \(known: config, stackName, alarmEmail, /);
  });

  it('refuses bad values with the allowed range, all problems at once', () => {
    const problems = problemsOf(() =>
      readDeployContext({
        'tfe-bridge:workerMaxConcurrency': '1',
        'tfe-bridge:receiverReservedConcurrency': '-3',
        'tfe-bridge:createSecrets': 'yes',
        'tfe-bridge:namePrefix': 'acme bridge',
        'tfe-bridge:alarmEmail': 'ops',
        'tfe-bridge:stackName': '1stack',
        'tfe-bridge:logLevel': 'verbose',
        'tfe-bridge:deadLetterArchiveDays': '0',
      }),
    );
    expect(problems).toEqual([
      'tfe-bridge:workerMaxConcurrency: must be an integer from 2 to 1000, got "1"',
      'tfe-bridge:receiverReservedConcurrency: must be an integer from 0 to 10000, or none (0 and none skip it), got "-3"',
      'tfe-bridge:createSecrets: must be true or false, got "yes"',
      'tfe-bridge:namePrefix: must be 1-40 letters, digits, "-" or "_", starting with a letter or digit, got "acme bridge"',
      'tfe-bridge:alarmEmail: must be an email address, got "ops"',
      'tfe-bridge:stackName: must be a CloudFormation stack name: a letter, then up to 127 letters, digits or "-", got "1stack"',
      'tfe-bridge:logLevel: must be one of debug, info, warn, error, got "verbose"',
      'tfe-bridge:deadLetterArchiveDays: must be an integer from 1 to 3650, or none (no archive), got "0"',
    ]);
  });

  it('reads values as cdk.json (JSON types) and -c (strings) give them, and ignores other keys', () => {
    expect(
      readDeployContext({
        'tfe-bridge:workerMaxConcurrency': 7,
        'tfe-bridge:receiverReservedConcurrency': 'none',
        'tfe-bridge:createSecrets': 'true',
        'tfe-bridge:retainQueues': false,
        'tfe-bridge:namePrefix': '',
        '@aws-cdk/core:checkSecretUsage': true,
      }),
    ).toEqual({
      workerMaxConcurrency: 7,
      receiverReservedConcurrency: 0,
      createSecrets: true,
      retainQueues: false,
    });
  });
});

describe('deploy safety', () => {
  it('refuses the example config and its plain-http route unless both are confirmed', () => {
    const problems = problemsOf(() => build({}));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^tfe-bridge:config: .*bridge\.config\.yaml is the example config/);
    expect(problems[0]).toContain('-c tfe-bridge:allowExampleConfig=true');
    expect(problems[1]).toMatch(/^tfe-bridge:allowInsecureHttp: route\(s\) demo set allowInsecureHttp/);
    const { stack } = build({
      'tfe-bridge:allowExampleConfig': 'true',
      'tfe-bridge:allowInsecureHttp': 'true',
    });
    expect(stack.stackName).toBe('TfeBridge');
  });

  it('refuses a copy of the config elsewhere only for its plain-http routes', () => {
    expect(problemsOf(() => build({ 'tfe-bridge:config': writeConfig(HTTP_CONFIG) }))).toEqual([
      expect.stringMatching(/^tfe-bridge:allowInsecureHttp: route\(s\) local set allowInsecureHttp/),
    ]);
    const { stack } = build({ 'tfe-bridge:config': writeConfig(HTTPS_CONFIG) });
    expect(stack.stackName).toBe('TfeBridge');
  });

  it('fails synth when the name prefix differs from the deployed one, and passes when it matches', () => {
    const config = writeConfig(HTTPS_CONFIG);
    const renamed = problemsOf(() =>
      build({
        'tfe-bridge:config': config,
        'tfe-bridge:namePrefix': 'acme2',
        'tfe-bridge:deployedNamePrefix': 'acme',
      }),
    );
    expect(renamed).toEqual([
      expect.stringContaining(
        'tfe-bridge:namePrefix: the deployed queues have "acme-jobs.fifo" and "acme-dead-letters.fifo"',
      ),
    ]);
    expect(renamed[0]).toContain('-c tfe-bridge:deployedNamePrefix=acme2');
    // Generated names to a prefix replaces the queues too.
    expect(
      problemsOf(() =>
        build({
          'tfe-bridge:config': config,
          'tfe-bridge:namePrefix': 'acme',
          'tfe-bridge:deployedNamePrefix': 'none',
        }),
      ),
    ).toEqual([expect.stringContaining('the deployed queues have generated names')]);
    const { stack } = build({
      'tfe-bridge:config': config,
      'tfe-bridge:namePrefix': 'acme',
      'tfe-bridge:deployedNamePrefix': 'acme',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { QueueName: 'acme-jobs.fifo' });
  });
});

describe('infra/app.ts and the cdk CLI', () => {
  /** Context the way the CLI hands it to the app: CDK_CONTEXT_JSON. */
  const runApp = (context: Record<string, unknown>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: tempDir('cdk-out'),
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...context }),
      },
    });

  it('exits 1 naming a misspelled key, with no stack trace', () => {
    const result = runApp({
      'tfe-bridge:config': writeConfig(HTTPS_CONFIG),
      'tfe-bridge:alarmEmial': 'a@b.co',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'tfe-bridge: invalid context:\n  tfe-bridge:alarmEmial: unknown context key, did you mean tfe-bridge:alarmEmail?\n',
    );
  });

  it('exits 1 on the example config, naming the flag that confirms it', () => {
    const result = runApp({ 'tfe-bridge:config': EXAMPLE_CONFIG });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^tfe-bridge: refusing to synthesize this deploy:\n {2}tfe-bridge:config: /,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('`cdk synth` with no arguments refuses the example config; a bad value fails with its range', () => {
    const cdk = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/aws-cdk/bin/cdk'),
          'synth',
          '--no-notices',
          '--output',
          tempDir('cdk-out'),
          ...args,
        ],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' } },
      );
    const bare = cdk();
    expect(bare.status).not.toBe(0);
    expect(bare.stderr).toContain('tfe-bridge: refusing to synthesize this deploy:');
    expect(bare.stderr).toContain('examples/bridge.config.yaml is the example config');
    expect(bare.stderr).toContain('-c tfe-bridge:allowInsecureHttp=true');
    expect(bare.stdout).not.toContain('Resources:');
    const bad = cdk('-c', 'tfe-bridge:workerMaxConcurrency=1', '-c', 'tfe-bridge:alarmEmial=ops@example.com');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain(
      'tfe-bridge:workerMaxConcurrency: must be an integer from 2 to 1000, got "1"',
    );
    expect(bad.stderr).toContain('did you mean tfe-bridge:alarmEmail?');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
