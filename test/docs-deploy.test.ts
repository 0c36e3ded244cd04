// docs/deploy.md and the README's Deploy section stay true to the stack: the numbers they quote
// (worker batch size and concurrency, the redrive's maxReceiveCount and its formula) are read
// from a synthesized template and the engine's constants, the outputs, resources and CLI flags
// the shell snippets use exist, and every Terraform snippet declares the data sources it reads.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../lambda/core/config/delivery-policy';
import { MAX_HOLDS, MAX_UNFINISHED_ATTEMPTS, receiveBudget } from '../lambda/core/deliver/engine';
import { buildApp, removeTempDirs, writeConfig } from './infra/cdk-testing';
import { fixtureNames } from './support/fixtures';

const ROOT = join(import.meta.dirname, '..');
const DOC = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const README_DEPLOY = README.slice(README.indexOf('## Deploy on AWS'), README.indexOf('## Operations'));

type Json = Record<string, unknown>;

/** The one number `pattern` captures in `text`; fails when the sentence is gone. */
function quoted(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  expect(match, `${pattern} not found`).not.toBeNull();
  return Number(match?.[1]);
}

const codeBlocks = (language: string) =>
  [...DOC.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '');

// The route the snippets use, with every retry setting left at its default.
const CONFIG = `
routes:
  - id: prod-runs
    signingSecret: { secretId: tfe-bridge/prod-runs-hmac }
    destinations:
      - id: api
        url: https://api.example.com/hook
`;

let template: Template;
beforeAll(() => {
  const { stack } = buildApp({
    configPath: writeConfig(CONFIG),
    context: { 'tfe-bridge:alarmEmail': 'ops@example.com' },
  });
  template = Template.fromStack(stack);
  // An upper bound, not a speed check: synth takes seconds to minutes on a loaded machine.
}, 120_000);
afterAll(removeTempDirs);

const only = (type: string): Json => {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return (resources[0] as { Properties: Json }).Properties;
};

describe('docs/deploy.md against the synthesized stack', () => {
  it('quotes the worker event source as synthesized (diagram and resource table)', () => {
    const mapping = only('AWS::Lambda::EventSourceMapping');
    expect(quoted(DOC, /event source, batch (\d+)/)).toBe(mapping.BatchSize);
    expect(quoted(DOC, /SQS event source: batch size (\d+)/)).toBe(mapping.BatchSize);
    expect(quoted(DOC, /maximum concurrency (\d+)/)).toBe(
      (mapping.ScalingConfig as Json | undefined)?.MaximumConcurrency,
    );
  });

  it("quotes the jobs queue's maxReceiveCount and the receiveBudget formula", () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue')) as Array<{ Properties: Json }>;
    const redrive = queues.map((q) => q.Properties.RedrivePolicy as Json | undefined).find(Boolean);
    const maxReceiveCount = redrive?.maxReceiveCount;
    expect(maxReceiveCount).toBe(receiveBudget(DEFAULT_RETRY.maxAttempts));

    const formula =
      /`retry\.maxAttempts` \+ (\d+) unfinished attempts \+ (\d+)\s+holds \+ (\d+), which is (\d+) with the default (\d+) attempts/.exec(
        DOC,
      );
    expect(formula, 'the maxReceiveCount sentence').not.toBeNull();
    const [unfinished, holds, margin, total, attempts] = (formula ?? []).slice(1).map(Number);
    expect([unfinished, holds, attempts, total]).toEqual([
      MAX_UNFINISHED_ATTEMPTS,
      MAX_HOLDS,
      DEFAULT_RETRY.maxAttempts,
      maxReceiveCount,
    ]);
    expect(margin).toBe(receiveBudget(0) - MAX_UNFINISHED_ATTEMPTS - MAX_HOLDS);
    expect(quoted(README, /\+ 3 \+ 40 \+ 2, (\d+) by default/)).toBe(maxReceiveCount);
  });

  it('names only stack outputs that exist in its describe-stacks queries', () => {
    const outputs = Object.keys(template.toJSON().Outputs as Json);
    const named = [...DOC.matchAll(/OutputKey=='(\w+)'/g), ...DOC.matchAll(/\$\(output (\w+)\)/g)];
    expect(named.length).toBeGreaterThan(2);
    for (const [, key] of named) expect(outputs).toContain(key);
  });

  it('finds the resources its smoke test looks up by logical id, and the alarm emails the topic', () => {
    const calls = [...DOC.matchAll(/\$\(resource (AWS::[\w:]+) (\w+)\)/g)];
    expect(calls.map(([, type]) => type).sort()).toEqual(['AWS::CloudWatch::Alarm', 'AWS::Logs::LogGroup']);
    for (const [, type, prefix] of calls) {
      const ids = Object.keys(template.findResources(type as string)).filter((id) =>
        id.startsWith(prefix as string),
      );
      expect(ids, `${type} ${prefix}*`).toHaveLength(1);
      if (type === 'AWS::CloudWatch::Alarm') {
        const alarm = template.findResources(type)[ids[0] as string] as { Properties: Json };
        expect(alarm.Properties.AlarmActions).toHaveLength(1);
      }
    }
  });

  it('runs send-test only with flags and fixtures the CLI has', () => {
    const help = spawnSync(process.execPath, [join(ROOT, 'bin', 'tfe-bridge.js'), 'send-test', '--help'], {
      encoding: 'utf8',
    }).stdout;
    const lines = codeBlocks('sh')
      .flatMap((block) => block.split('\n'))
      .filter((line) => line.includes('tfe-bridge send-test'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      for (const [flag] of line.matchAll(/--[a-z-]+/g)) expect(help).toContain(`${flag} `);
      const fixture = /--fixture (\S+)/.exec(line)?.[1];
      if (fixture) expect(fixtureNames()).toContain(fixture);
    }
  });

  it('declares every Terraform data source a snippet reads, in that snippet', () => {
    const snippets = codeBlocks('hcl');
    expect(snippets.length).toBeGreaterThanOrEqual(2);
    for (const snippet of snippets) {
      const declared = new Set(
        [...snippet.matchAll(/^data "(\w+)" "(\w+)"/gm)].map((m) => `${m[1]}.${m[2]}`),
      );
      const read = [...snippet.matchAll(/\bdata\.(\w+)\.(\w+)/g)].map((m) => `${m[1]}.${m[2]}`);
      for (const source of read) expect([...declared], snippet).toContain(source);
    }
  });
});

describe("README's Deploy section", () => {
  it('bootstraps the account before the first deploy', () => {
    expect(README_DEPLOY).toMatch(/npx cdk bootstrap[^\n]*\nnpx cdk deploy/);
  });
});
