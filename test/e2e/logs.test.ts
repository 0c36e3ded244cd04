// `serve`'s logs through the real binary: a reader that stops reading does not stall the bridge and
// loses nothing once it reads again, `--log-level` / TFE_BRIDGE_LOG_LEVEL filter, and a terminal
// gets readable, coloured lines (a real pseudo-terminal, through util-linux `script`).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BIN, type CliProcess, runCli, startCli } from '../support/cli-process';
import { eventually } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'logs-signing-token';
const [GREEN, CYAN, RESET] = ['\u001b[32m', '\u001b[36m', '\u001b[39m'];
const running: CliProcess[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

function serveArgs(...extra: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-logs-'));
  const config = {
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        destinations: [{ id: 'api', url: 'https://api.example.com/hook' }],
      },
    ],
  };
  writeFileSync(join(dir, 'bridge.yaml'), stringify(config));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ hmac: HMAC }));
  return [
    ...['serve', '--config', join(dir, 'bridge.yaml'), '--secrets', join(dir, 'secrets.json')],
    ...['--store', join(dir, 'bridge.db'), ...extra],
  ];
}

function serve(args: string[], env?: NodeJS.ProcessEnv): CliProcess {
  const cli = startCli(args, env);
  running.push(cli);
  return cli;
}

/** A port nothing listens on right now, for a bridge whose `listening` line is filtered out. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const status = (url: string, init?: RequestInit) =>
  fetch(url, { ...init, signal: AbortSignal.timeout(60_000) }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });

async function waitUntilUp(url: string): Promise<void> {
  for (;;) {
    if ((await status(`${url}/healthz`).catch(() => 0)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { level: string; message: string; path?: string });

describe('a log reader that stops reading (serve | slow-consumer)', () => {
  it('keeps answering, then delivers every line and the last one on SIGTERM', async () => {
    const cli = serve(serveArgs('--port', '0'));
    const [, url] = await cli.waitForOutput(/"message":"listening","url":"([^"]+)"/);
    // Stop reading: the pipe (64 KiB) and the reader's buffer fill after a few hundred lines.
    cli.child.stdout?.pause();
    const path = `/no-such-route/${'x'.repeat(2_000)}`;
    const count = 600; // 600 lines of over 2 KiB: far more than a pipe holds
    for (let sent = 0; sent < count; sent += 20) {
      const batch = Array.from({ length: 20 }, () => status(`${url}${path}`));
      expect(await Promise.all(batch)).toEqual(Array(20).fill(404));
    }
    cli.child.kill('SIGTERM');
    cli.child.stdout?.resume();
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.filter((line) => line.message === 'request' && line.path === path)).toHaveLength(count);
    expect(lines.at(-1)?.message).toBe('stopped');
  });
});

describe('secrets in a log line', () => {
  it('are masked with the secrets file values, even where no caller thought of it (a request path)', async () => {
    const cli = serve(serveArgs('--port', '0'));
    const [, url] = await cli.waitForOutput(/"message":"listening","url":"([^"]+)"/);
    expect(await status(`${url}/no-such-route/${HMAC}`)).toBe(404);
    await cli.waitForOutput(/"path":"\/no-such-route\/\*\*\*"/);
    cli.child.kill('SIGTERM');
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    expect(stdout).not.toContain(HMAC);
  });
});

describe('--log-level and TFE_BRIDGE_LOG_LEVEL', () => {
  it('at warn, writes the rejected signature and leaves out every info line', async () => {
    const port = await freePort();
    const cli = serve(serveArgs('--port', String(port), '--log-level', 'warn'), {
      TFE_BRIDGE_LOG_LEVEL: 'error', // the flag wins over the environment
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilUp(url);
    const bad = signedRequest({ body: '{"payload_version":1}', secret: 'not-the-token' });
    expect(await status(`${url}/hooks/runs`, bad)).toBe(401);
    await cli.waitForOutput(/"result":"rejected_signature"/);
    cli.child.kill('SIGTERM');
    const { code, stdout } = await cli.done;
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines.map((line) => `${line.level} ${line.message}`)).toEqual(['warn request']);
  });

  it('TFE_BRIDGE_LOG_LEVEL=silent writes no log line at all', async () => {
    const port = await freePort();
    const cli = serve(serveArgs('--port', String(port)), { TFE_BRIDGE_LOG_LEVEL: 'SILENT' });
    await waitUntilUp(`http://127.0.0.1:${port}`);
    cli.child.kill('SIGTERM');
    expect(await cli.done).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it.each([
    [
      ['--log-level', 'verbose'],
      {},
      '--log-level must be one of trace, debug, info, warn, error, silent, got "verbose"',
    ],
    [
      [],
      { TFE_BRIDGE_LOG_LEVEL: 'loud' },
      'TFE_BRIDGE_LOG_LEVEL must be one of trace, debug, info, warn, error, silent, got "loud"',
    ],
  ])('%j %j exits 2 naming the allowed levels', async (extra, env, message) => {
    const result = await runCli(serveArgs('--port', '0', ...extra), env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('in a terminal', () => {
  it('writes readable, coloured lines, and stops on Ctrl-C', async () => {
    const args = [process.execPath, BIN, ...serveArgs('--port', '0')];
    // `script` runs the command on a new pseudo-terminal and copies its output to our pipe; `exec`
    // leaves no shell in between that Ctrl-C would kill (exit 130) while the bridge shuts down.
    const command = `exec ${args.map((arg) => `'${arg}'`).join(' ')}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      // `[12:00:01.234] INFO: listening {"url":…}`, the level in green, the message in cyan.
      await eventually(
        () => (output.includes(`${GREEN}INFO${RESET}: ${CYAN}listening`) ? true : undefined),
        30_000,
      );
      expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] /);
      expect(output).not.toContain('"level":');
      child.stdin.write('\u0003'); // Ctrl-C: the terminal sends SIGINT to the bridge
      expect(await closed).toBe(0);
      expect(output).toMatch(/INFO.*: .*stopped/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
