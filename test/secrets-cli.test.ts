// The real `tfe-bridge` binary on secrets: `validate --secrets` reports every unusable secret with
// its config path at once, and `render` masks every secret in every spelling it prints.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './support/cli-process';

const HOOK_PATH = 'services/T0001/B0001/abcdefghijklmnopqrstuvwx';
const KEY = 'k3y-0123456789abcdef-k3y';
const TOKEN = 'validate-bearer-token-0123456789';

function files(config: unknown, secrets: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-secrets-cli-'));
  const configPath = join(dir, 'bridge.config.yaml');
  const secretsPath = join(dir, 'secrets.json');
  writeFileSync(configPath, stringify(config));
  writeFileSync(secretsPath, JSON.stringify(secrets));
  return { configPath, secretsPath };
}

describe('tfe-bridge validate --secrets', () => {
  const config = {
    routes: [
      {
        id: 'a',
        signingSecret: { secretId: 'blank' },
        destinations: [
          {
            id: 'api',
            url: 'https://api.example',
            auth: { type: 'bearer', secret: { secretId: 'api', jsonKey: 'token' } },
          },
          { id: 'hook', url: { secret: { secretId: 'hook' } } },
        ],
      },
      {
        id: 'b',
        signingSecret: [{ secretId: 'missing' }, { secretId: 'generated', jsonKey: 'hmac' }],
        destinations: [
          {
            id: 'pd',
            url: 'https://events.pagerduty.com/v2/enqueue',
            template: { preset: 'pagerduty' },
            secrets: { routingKey: { secretId: 'generated', jsonKey: 'routingKey' } },
          },
          {
            id: 'key',
            url: 'https://api.example',
            auth: { type: 'header', name: 'X-Key', secret: { secretId: 'newline' } },
          },
        ],
      },
    ],
  };

  it('exits 2 listing every unusable signing and destination secret with its path, and no value', async () => {
    const { configPath, secretsPath } = files(config, {
      blank: '',
      api: { user: 'svc' },
      hook: `https://svc:hunter2-password@hooks.example.com/${HOOK_PATH}`,
      generated: { hmac: 'REPLACE_ME', routingKey: 'REPLACE_ME' },
      newline: `${TOKEN}\n`,
    });
    const result = await runCli(['validate', '--config', configPath, '--secrets', secretsPath]);
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        'routes[0].signingSecret: secret "blank" is empty',
        'routes[0].destinations[0].auth.secret: secret "api" has no string key "token": add it to the secret, or fix jsonKey in the config',
        'routes[0].destinations[1].url.secret: secret "hook" holds no usable destination URL: it must not contain credentials (user:password@): use auth: { type: basic } with a secret',
        `routes[1].signingSecret[0]: secret "missing" not found in ${secretsPath}`,
        'routes[1].signingSecret[1]: secret "generated" still holds the placeholder REPLACE_ME',
        'routes[1].destinations[0].secrets.routingKey: secret "generated" still holds the placeholder REPLACE_ME',
        'routes[1].destinations[1].auth.secret: secret "newline" cannot be sent in a header: it has a line break, another control character or a character outside Latin-1',
      ]),
    );
    for (const value of ['hunter2', HOOK_PATH, TOKEN]) expect(result.stderr).not.toContain(value);
  });

  it('exits 0 and says so when every secret is usable', async () => {
    const { configPath, secretsPath } = files(config, {
      blank: 'signing-token-a',
      api: { token: TOKEN },
      hook: `https://hooks.example.com/${HOOK_PATH}`,
      missing: 'signing-token-b',
      generated: { hmac: 'signing-token-c', routingKey: KEY },
      newline: TOKEN,
    });
    const result = await runCli(['validate', '--config', configPath, '--secrets', secretsPath]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`secrets: every secret the config names is usable in ${secretsPath}`);
  });
});

describe('tfe-bridge render masking', () => {
  it('shows where the SigV4 signature of an aws-iam destination goes, without credentials', async () => {
    const { configPath, secretsPath } = files(
      {
        routes: [
          {
            id: 'r',
            allowUnsigned: true,
            destinations: [
              {
                id: 'd',
                url: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/hooks',
                auth: { type: 'aws-iam', service: 'execute-api' },
              },
            ],
          },
        ],
      },
      {},
    );
    const result = await runCli(
      [
        'render',
        '--json',
        '--config',
        configPath,
        '--secrets',
        secretsPath,
        '--destination',
        'r/d',
        '--fixture',
        'tfe-run-errored',
      ],
      { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const request = JSON.parse(result.stdout) as { headers: Record<string, string> };
    expect(request.headers.authorization).toBe(
      "AWS4-HMAC-SHA256 <signed when sent, with the worker's AWS credentials>",
    );
    expect(request.headers['x-amz-date']).toBeUndefined();
  });

  it('masks a secret URL stored un-normalised, a 3-character token, and a base64-encoded secret', async () => {
    const { configPath, secretsPath } = files(
      {
        routes: [
          {
            id: 'r',
            allowUnsigned: true,
            destinations: [
              {
                id: 'd',
                url: { secret: { secretId: 'hook' } },
                auth: { type: 'bearer', secret: { secretId: 'short' } },
                secrets: { key: { secretId: 'key' } },
                template: { jsonata: '{ "b64": $base64encode($secrets.key), "plain": $secrets.key }' },
              },
            ],
          },
        ],
      },
      { hook: `HTTPS://Hooks.Example.com:443/${HOOK_PATH}?token=${KEY}`, short: 'xyz', key: KEY },
    );
    const result = await runCli([
      'render',
      '--json',
      '--config',
      configPath,
      '--secrets',
      secretsPath,
      '--destination',
      'r/d',
      '--fixture',
      'tfe-run-errored',
    ]);
    expect(result.code).toBe(0);
    const request = JSON.parse(result.stdout) as {
      url: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(request.url).toBe('https://hooks.example.com/***');
    expect(request.headers.authorization).toBe('Bearer ***');
    expect(JSON.parse(request.body)).toEqual({ b64: '***', plain: '***' });
    for (const value of [
      HOOK_PATH.slice(0, 12),
      KEY.slice(0, 12),
      Buffer.from(KEY).toString('base64').slice(0, 12),
    ]) {
      expect(result.stdout).not.toContain(value);
    }
  });
});
