// `render`, `validate` and `send-test --destination` for signed and OAuth2 destinations, with the
// real binary in a child process, a real OAuth2 server (oauth2-mock-server) and real destination
// servers that verify the signature with the Standard Webhooks reference verifier.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './support/cli-process';
import { closeAfterEach } from './support/closed-after-each';
import type { Behaviour } from './support/destination-server';
import { startOAuth2Server, type TestOAuth2Server } from './support/oauth2-server';

const CLIENT_SECRET = 'cli-oauth2-client-secret-5d5d5d5d';
const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
const GH_KEY = 'cli-github-hmac-key-6e6e6e6e';

const { destination } = closeAfterEach();
const servers: TestOAuth2Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function configFor(apiUrl: string, tokenUrl: string, destination: Record<string, unknown> = {}) {
  return {
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        allowInsecureHttp: true,
        destinations: [
          {
            id: 'api',
            url: `${apiUrl}/events`,
            auth: { type: 'oauth2', tokenUrl, clientId: 'cli-client', clientSecret: { secretId: 'oauth' } },
            sign: { scheme: 'standard-webhooks', secret: { secretId: 'whsec' } },
            ...destination,
          },
          {
            id: 'gh',
            url: `${apiUrl}/gh`,
            sign: {
              scheme: 'hmac',
              header: 'X-Hub-Signature-256',
              prefix: 'sha256=',
              secret: { secretId: 'gh' },
            },
          },
        ],
      },
    ],
  };
}

function writeFiles(
  config: unknown,
  secrets: unknown = { hmac: 'h', oauth: CLIENT_SECRET, whsec: WHSEC, gh: GH_KEY },
) {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-cli-sign-'));
  const configPath = join(dir, 'bridge.yaml');
  const secretsPath = join(dir, 'secrets.json');
  writeFileSync(configPath, stringify(config));
  writeFileSync(secretsPath, JSON.stringify(secrets));
  return { configPath, secretsPath };
}

/** 200 for a request with a token the server issued and a valid Standard Webhooks signature. */
const verifyBoth =
  (server: TestOAuth2Server): Behaviour =>
  (request) => {
    const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!server.issued.includes(token)) return { status: 401 };
    try {
      new Webhook(WHSEC).verify(request.body, request.headers as Record<string, string>);
      return { status: 200 };
    } catch {
      return { status: 400, body: '{"error":"bad signature"}' };
    }
  };

describe('render for signed and oauth2 destinations', () => {
  it('prints `Bearer <oauth2 token>` and a signature that verifies over the body printed', async () => {
    const { configPath, secretsPath } = writeFiles(
      configFor('http://127.0.0.1:9', 'http://127.0.0.1:9/token'),
    );
    const args = [
      'render',
      '--config',
      configPath,
      '--secrets',
      secretsPath,
      '--fixture',
      'tfe-run-errored',
      '--json',
    ];
    const result = await runCli([...args, '--destination', 'runs/api']);
    expect(result.code).toBe(0);
    const request = JSON.parse(result.stdout);
    expect(request.headers.authorization).toBe('Bearer <oauth2 token>');
    expect(new Webhook(WHSEC).verify(request.body, request.headers)).toBeDefined();
    expect(result.stdout + result.stderr).not.toContain(CLIENT_SECRET);
    expect(result.stdout + result.stderr).not.toContain(WHSEC.slice('whsec_'.length));
    const gh = JSON.parse((await runCli([...args, '--destination', 'runs/gh'])).stdout);
    expect(gh.headers['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('describes the signatures without a secrets file', async () => {
    const { configPath } = writeFiles(configFor('http://127.0.0.1:9', 'http://127.0.0.1:9/token'));
    const args = ['render', '--config', configPath, '--fixture', 'tfe-run-errored'];
    const api = await runCli([...args, '--destination', 'runs/api']);
    expect(api.code).toBe(0);
    expect(api.stdout).toContain('authorization: Bearer <oauth2 token>\n');
    expect(api.stdout).toContain(
      'webhook-signature: v1,<base64 HMAC-SHA256 of "webhook-id.webhook-timestamp.body" with secret whsec>\n',
    );
    const gh = await runCli([...args, '--destination', 'runs/gh']);
    expect(gh.stdout).toContain('x-hub-signature-256: sha256=<hex HMAC-SHA256 of the body with secret gh>\n');
  });
});

describe('validate for signed and oauth2 destinations', () => {
  it('refuses a signature header that clashes with another header, naming the field', async () => {
    const config = configFor('https://api.example', 'https://auth.example/token', {
      headers: { 'Webhook-Id': 'x' },
    });
    const { configPath } = writeFiles(config);
    const result = await runCli(['validate', '--config', configPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'routes[0].destinations[0].headers.Webhook-Id: conflicts with the signature header "webhook-id" that sign sends',
    );
  });
});

describe('send-test --destination', () => {
  it('delivers once through the destination, fetching a token and signing, and says so', async () => {
    const server = await startOAuth2Server({ id: 'cli-client', secret: CLIENT_SECRET });
    servers.push(server);
    const api = await destination(verifyBoth(server));
    const { configPath, secretsPath } = writeFiles(configFor(api.url, server.tokenUrl));
    const result = await runCli([
      'send-test',
      '--destination',
      'runs/api',
      '--config',
      configPath,
      '--secrets',
      secretsPath,
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'delivered to runs/api (HTTP 200)\n' });
    expect(server.requests).toHaveLength(1);
    expect(api.received).toHaveLength(1);
  });

  it('exits 1 with auth_failed and the endpoint error when the client is refused, never printing the secret', async () => {
    const server = await startOAuth2Server({ id: 'cli-client', secret: 'another-secret' });
    servers.push(server);
    server.echoSecretInError = true;
    const api = await destination();
    const { configPath, secretsPath } = writeFiles(configFor(api.url, server.tokenUrl));
    const result = await runCli([
      'send-test',
      '--destination',
      'runs/api',
      '--config',
      configPath,
      '--secrets',
      secretsPath,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('not delivered to runs/api: auth_failed: token endpoint');
    expect(result.stdout).toContain(
      'HTTP 401 invalid_client: "Client authentication failed (got secret ***)"',
    );
    expect(result.stdout + result.stderr).not.toContain(CLIENT_SECRET);
    expect(api.received).toEqual([]);
  });
});
