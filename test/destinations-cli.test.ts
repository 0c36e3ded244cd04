// `render`, `send-test` and `validate` with the real binary in a child process, against a real
// local bridge and real destination servers on 127.0.0.1.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { jobIdFor } from '../lambda/core/receive/jobs';
import {
  HCP_SIGNATURE_HEADER,
  TFE_SIGNATURE_HEADER,
  verifySignature,
} from '../lambda/core/receive/signature';
import { TEMPLATE_TIMEOUT_MS } from '../lambda/core/render/templates';
import { runCli } from './support/cli-process';
import { closeAfterEach } from './support/closed-after-each';
import { startDestination } from './support/destination-server';
import { fixture } from './support/fixtures';
import type { TestBridge } from './support/local-bridge';

const HMAC = 'cli-destinations-signing-token';
const ROUTING_KEY = 'cli-routing-key-0123456789abcdef';
const BEARER = 'cli-github-token-ghp_0000111122223333';
const SECRETS = { hmac: HMAC, pd: { routingKey: ROUTING_KEY }, gh: BEARER };

const { destination, bridge: startBridge } = closeAfterEach();

function configFor(url: string) {
  return {
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        allowInsecureHttp: true,
        destinations: [
          { id: 'slack', url: `${url}/slack`, template: { preset: 'slack' } },
          {
            id: 'pagerduty',
            url: `${url}/pd`,
            template: { preset: 'pagerduty' },
            secrets: { routingKey: { secretId: 'pd', jsonKey: 'routingKey' } },
            filter: { triggers: ['run:errored', 'run:completed', 'assessment:*'] },
          },
          {
            id: 'github',
            url: `${url}/repos/acme/infra/dispatches`,
            auth: { type: 'bearer', secret: { secretId: 'gh' } },
            headers: { Accept: 'application/vnd.github+json' },
            template: { preset: 'github-dispatch' },
          },
        ],
      },
    ],
  };
}

function writeFiles(config: unknown, secrets: unknown = SECRETS) {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-cli-dest-'));
  const configPath = join(dir, 'bridge.yaml');
  const secretsPath = join(dir, 'secrets.json');
  writeFileSync(configPath, stringify(config));
  writeFileSync(secretsPath, JSON.stringify(secrets));
  return { dir, configPath, secretsPath };
}

const bridge = (config: unknown): Promise<TestBridge> => startBridge(config, SECRETS);

describe('tfe-bridge render', () => {
  it('prints method, URL, headers and body, with every secret masked', async () => {
    const { configPath, secretsPath } = writeFiles(configFor('http://127.0.0.1:9'));
    const result = await runCli(
      ['render', '--config', configPath, '--destination', 'runs/github', '--fixture', 'tfe-run-errored'],
      { TFE_BRIDGE_SECRETS: secretsPath },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [head, body] = result.stdout.split('\n\n');
    expect(head?.split('\n')).toEqual([
      'POST http://127.0.0.1:9/repos/acme/infra/dispatches',
      'accept: application/vnd.github+json',
      'authorization: Bearer ***',
      'content-type: application/json',
      `idempotency-key: ${jobIdFor('runs', 'github', fixture('tfe-run-errored'))}`,
      expect.stringMatching(/^user-agent: tfe-bridge\//),
    ]);
    expect(JSON.parse(body ?? '')).toMatchObject({
      event_type: 'run:errored',
      client_payload: { kind: 'run' },
    });
    expect(result.stdout).not.toContain(BEARER);
  });

  it('masks a secret the template puts in the body (the PagerDuty routing key)', async () => {
    const { configPath, secretsPath } = writeFiles(configFor('http://127.0.0.1:9'));
    const result = await runCli([
      'render',
      '--config',
      configPath,
      '--secrets',
      secretsPath,
      '--destination',
      'runs/pagerduty',
      '--fixture',
      'assessment-drifted',
      '--json',
    ]);
    expect(result.code).toBe(0);
    const request = JSON.parse(result.stdout) as { body: string };
    expect(JSON.parse(request.body)).toMatchObject({ routing_key: '***', event_action: 'trigger' });
    expect(result.stdout + result.stderr).not.toContain(ROUTING_KEY);
  });

  it('prints exactly the body the bridge then delivers', async () => {
    const api = await destination();
    const config = configFor(api.url);
    const b = await bridge(config);
    const { configPath, secretsPath } = writeFiles(config);
    const payload = join(b.dir, 'payload.json');
    writeFileSync(payload, fixture('workspace-auto-destroy-reminder'));
    const rendered = await runCli([
      'render',
      ...[
        '--config',
        configPath,
        '--secrets',
        secretsPath,
        '--destination',
        'runs/slack',
        '--payload',
        payload,
      ],
      '--json',
    ]);
    const post = await runCli([
      'send-test',
      '--url',
      `${b.url}/hooks/runs`,
      '--token',
      HMAC,
      '--payload',
      payload,
    ]);
    expect(post.code).toBe(0);
    const received = await api.waitFor(2);
    const slack = received.find((request) => request.path === '/slack');
    expect((JSON.parse(rendered.stdout) as { body: string }).body).toBe(slack?.body);
  });

  it('notes on stderr when the destination filter would not admit the payload', async () => {
    const { configPath, secretsPath } = writeFiles(configFor('http://127.0.0.1:9'));
    const result = await runCli([
      'render',
      ...['--config', configPath, '--secrets', secretsPath],
      ...['--destination', 'runs/pagerduty', '--fixture', 'tfe-run-created-captured'],
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'note: runs/pagerduty: its filter does not admit this payload (run, run:created): the bridge would not send it\n',
    );
  });

  it.each([
    [['--destination', 'runs/nope', '--fixture', 'tfe-run-errored'], 'no destination "runs/nope"'],
    [
      ['--destination', 'runs/slack', '--fixture', 'nope'],
      'no fixture "nope"; bundled fixtures: assessment-drifted, ',
    ],
    [['--destination', 'runs/slack'], 'pass --payload FILE or --fixture NAME'],
    [['--fixture', 'tfe-run-errored'], 'pass --destination ROUTE/DEST'],
  ])('%j exits 2 with one line', async (args, message) => {
    const { configPath } = writeFiles(configFor('http://127.0.0.1:9'));
    const result = await runCli(['render', '--config', configPath, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('tfe-bridge send-test', () => {
  it('verifies a deployed bridge with the TFE verification payload by default', async () => {
    const b = await bridge(configFor('http://127.0.0.1:9'));
    const result = await runCli(['send-test', '--url', `${b.url}/hooks/runs`, '--token', HMAC]);
    expect(result).toMatchObject({ code: 0, stdout: 'HTTP 200 OK\n{"status":"verified"}\n', stderr: '' });
  });

  it('signs like an HCP project webhook with --hcp', async () => {
    const b = await bridge(configFor('http://127.0.0.1:9'));
    const result = await runCli(['send-test', '--url', `${b.url}/hooks/runs`, '--hcp'], {
      TFE_BRIDGE_TOKEN: HMAC,
    });
    expect(result).toMatchObject({ code: 0, stdout: 'HTTP 200 OK\n{"status":"verified"}\n' });
  });

  it('exits 1 and shows the answer when the token is wrong', async () => {
    const b = await bridge(configFor('http://127.0.0.1:9'));
    const result = await runCli(['send-test', '--url', `${b.url}/hooks/runs`, '--token', 'not-the-token']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^HTTP 401 Unauthorized\n\{"error":"invalid_signature"/);
    expect(result.stderr).toContain('answered 401');
  });

  it('sends a fixture byte for byte with the signature HCP Terraform would compute', async () => {
    const api = await destination();
    const result = await runCli([
      'send-test',
      '--url',
      `${api.url}/mine`,
      '--token',
      HMAC,
      '--fixture',
      'tfe-run-errored',
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'HTTP 200 OK\n{}\n' });
    const [received] = await api.waitFor(1);
    expect(received?.body).toBe(fixture('tfe-run-errored'));
    expect(received?.headers['content-type']).toBe('application/json');
    const signature = received?.headers[TFE_SIGNATURE_HEADER] as string;
    expect(verifySignature(Buffer.from(received?.body ?? ''), signature, [HMAC])).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(HMAC);
  });

  it('sends the HCP verification payload, and an empty signature without a token, as HCP does', async () => {
    const api = await destination();
    const result = await runCli(['send-test', '--url', api.url, '--hcp']);
    expect(result.code).toBe(0);
    const [received] = await api.waitFor(1);
    expect(received?.body).toBe(fixture('hcp-verification'));
    expect(received?.headers[HCP_SIGNATURE_HEADER]).toBe('');
  });

  it('exits 1 with one line when nothing listens at the URL', async () => {
    const closed = await startDestination();
    await closed.close();
    const result = await runCli(['send-test', '--url', `${closed.url}/hooks/x`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`tfe-bridge: POST ${closed.url}/hooks/x failed: ECONNREFUSED\n`);
  });

  it.each([
    [['--url', 'ftp://example.com'], 2, '--url must be http(s)'],
    [[], 2, 'pass --url URL'],
    [['--url', 'http://127.0.0.1:9', '--fixture', 'a', '--payload', 'b'], 2, 'not both'],
  ])('%j exits %i with one line', async (args, code, message) => {
    const result = await runCli(['send-test', ...args]);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('tfe-bridge validate, rendering the bundled fixtures', () => {
  it('renders every admitted fixture through every preset and exits 0', async () => {
    const { configPath } = writeFiles(configFor('http://127.0.0.1:9'));
    const result = await runCli(['validate', '--config', configPath]);
    expect(result.code).toBe(0);
    // slack and github: 15 fixtures each (verification excluded); pagerduty: run + assessment, 7.
    expect(result.stdout).toContain('templates: 37 renders of bundled fixtures, none failed');
  });

  it('exits 2 naming the destination and, once per distinct error, the fixtures a template fails on', async () => {
    const config = configFor('http://127.0.0.1:9');
    config.routes[0]?.destinations.push({
      id: 'runs-only',
      url: 'http://127.0.0.1:9',
      template: { jsonata: 'notifications[0].message' },
      filter: { kinds: ['run', 'auto-destroy'] },
    } as never);
    const { configPath } = writeFiles(config);
    const result = await runCli(['validate', '--config', configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'tfe-bridge: invalid config:',
      '  routes[0].destinations[3].template: template produced no output for this payload (on 2 fixtures: workspace-auto-destroy-reminder, workspace-auto-destroy-results)',
    ]);
  });
});

describe('tfe-bridge validate, with a template that never finishes in time', () => {
  it('reports the timeout for the fixture and exits: the sandbox process does not hold the command', async () => {
    const { configPath } = writeFiles({
      routes: [
        {
          id: 'r',
          signingSecret: { secretId: 'hmac' },
          destinations: [
            {
              id: 'backtracking',
              url: 'https://api.example.com/hook',
              template: { jsonata: `$match("${'a'.repeat(28)}!", /(a+)+$/)` },
              filter: { kinds: ['change-request'] },
            },
          ],
        },
      ],
    });
    const result = await runCli(['validate', '--config', configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `routes[0].destinations[0].template: template timed out after ${TEMPLATE_TIMEOUT_MS} ms (on fixture team-change-request.assembled)`,
    );
  });
});

describe('--help', () => {
  it.each(['render', 'send-test', 'validate', 'serve', 'schema', 'dead-letters', 'init'])(
    '%s --help prints its usage with an example and exits 0',
    async (command) => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^tfe-bridge ${command}\\b`));
      expect(result.stdout).toMatch(new RegExp(`\\nexamples?:\\n(  .*\\n)*  tfe-bridge ${command}\\b`));
    },
  );
});
