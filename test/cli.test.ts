// The real `tfe-bridge` binary in a child process: exit codes, messages, and `serve` end to end.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { requireBearer, startDestination } from './support/destination-server';
import { fixture } from './support/fixtures';
import { signedRequest } from './support/signed-request';

const BIN = join(import.meta.dirname, '..', 'bin', 'tfe-bridge.js');
const EXAMPLE_CONFIG = join(import.meta.dirname, '..', 'examples', 'bridge.config.yaml');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; done: Promise<Run>; output: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: () => stdout };
}

const run = (args: string[], env?: NodeJS.ProcessEnv) => start(args, env).done;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
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
    [['serve', '--nope'], "Unknown option '--nope'"],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['validate', '--config', '/no/such/file.yaml'], 'cannot read config file: ENOENT'],
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
    const bridge = start(['serve', '--dead-letters', join(dir, 'dl.jsonl')], {
      TFE_BRIDGE_CONFIG: config,
      TFE_BRIDGE_SECRETS: secrets,
      PORT: '0',
    });
    children.push(bridge.child);

    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bridge did not start: ${bridge.output()}`)), 15_000);
      bridge.child.stdout?.on('data', () => {
        const match = /"message":"listening","url":"([^"]+)"/.exec(bridge.output());
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
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
    expect(() => readFileSync(join(dir, 'dl.jsonl'))).toThrow(/ENOENT/);
  });
});
