// The real `tfe-bridge` binary in a child process: exit codes, messages, and `serve` end to end.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliProcess, runCli, startCli } from './support/cli-process';
import { requireBearer, startDestination } from './support/destination-server';
import { fixture } from './support/fixtures';
import { signedRequest } from './support/signed-request';

const EXAMPLE_CONFIG = join(import.meta.dirname, '..', 'examples', 'bridge.config.yaml');
const run = runCli;

const children: CliProcess[] = [];
afterEach(() => {
  for (const cli of children.splice(0)) cli.child.kill('SIGKILL');
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tfe-bridge-cli-'));
}

describe('tfe-bridge CLI', () => {
  it('validate: exits 0 on the example config', async () => {
    const result = await run(['validate', '--config', EXAMPLE_CONFIG]);
    expect(result.stdout).toContain('valid (5 routes, 5 destinations)');
    expect(result.code).toBe(0);
  });

  it('validate: exits 2 and lists every bad field with its path', async () => {
    const path = join(tempDir(), 'bad.yaml');
    writeFileSync(
      path,
      stringify({ routes: [{ id: 'r', destinations: [{ id: 'a', url: 'http://x.example', tmpl: 1 }] }] }),
    );
    const result = await run(['validate', '--config', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('routes[0].destinations[0]: unknown key "tmpl"');
    expect(result.stderr).toContain('routes[0].signingSecret: is required');
    expect(result.stderr).toContain('routes[0].destinations[0].url: must be https');
  });

  it('validate: reads TFE_BRIDGE_CONFIG when --config is absent', async () => {
    const result = await run(['validate'], { TFE_BRIDGE_CONFIG: EXAMPLE_CONFIG });
    expect(result.code).toBe(0);
  });

  it.each([
    [['serve'], 'no config: pass --config FILE or set TFE_BRIDGE_CONFIG'],
    [['serve', '--config', EXAMPLE_CONFIG, '--port', 'eighty'], '--port must be a port number'],
    [['serve', '--nope'], 'unknown option --nope; run with --help for the options'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['validate', '--config', '/no/such/file.yaml'], 'cannot read config file: no such file (ENOENT)'],
  ])('%j exits 2 with a one-line reason', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('schema: prints the JSON Schema', async () => {
    const result = await run(['schema']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'object', required: ['routes'] });
  });

  it('serve: delivers a signed notification, then drains and exits 0 on SIGINT', async () => {
    const token = 'cli-bearer-token-77777777';
    const hmac = 'cli-signing-token-88888888';
    const api = await startDestination(requireBearer(() => token));
    const dir = tempDir();
    const config = join(dir, 'bridge.yaml');
    const secrets = join(dir, 'secrets.json');
    writeFileSync(
      config,
      stringify({
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'hmac' },
            allowInsecureHttp: true,
            destinations: [
              {
                id: 'api',
                url: `${api.url}/callback`,
                auth: { type: 'bearer', secret: { secretId: 'api', jsonKey: 'token' } },
              },
            ],
          },
        ],
      }),
    );
    writeFileSync(secrets, JSON.stringify({ hmac, api: { token } }));
    // Config and secrets through the environment fallbacks, the port through PORT.
    const bridge = startCli(['serve'], {
      TFE_BRIDGE_CONFIG: config,
      TFE_BRIDGE_SECRETS: secrets,
      TFE_BRIDGE_STORE: join(dir, 'bridge.db'),
      PORT: '0',
    });
    children.push(bridge);
    const [, url] = await bridge.waitForOutput(/"message":"listening","url":"([^"]+)"/);
    const body = fixture('tfe-run-completed-captured');
    const res = await fetch(`${url}/hooks/runs`, signedRequest({ body, secret: hmac }));
    expect(res.status).toBe(202);
    const [received] = await api.waitFor(1);
    expect(received?.body).toBe(body);
    expect(received?.headers.authorization).toBe(`Bearer ${token}`);

    bridge.child.kill('SIGINT');
    const result = await bridge.done;
    await api.close();
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string });
    expect(lines.map((line) => line.message)).toEqual([
      'route live',
      'listening',
      'request',
      'delivery attempt',
      'shutting down',
      'stopped',
    ]);
    expect(result.stdout + result.stderr).not.toContain(token);
    expect(result.stdout + result.stderr).not.toContain(hmac);
    const listed = await runCli(['dead-letters', 'list', '--store', join(dir, 'bridge.db')]);
    expect(listed.stdout).toBe('');
    expect(listed.stderr).toContain('0 of 0 dead letters');
  });
});
