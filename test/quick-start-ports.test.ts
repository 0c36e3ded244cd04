// The README's quick start on ports other than the defaults, without editing a tracked file: the
// echo destination on ECHO_PORT, the bridge on PORT, and examples/bridge.config.yaml reaching the
// echo destination through its ${ECHO_PORT:-9999} reference. Real processes, real HTTP.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type CliProcess, runCli, startCli } from './support/cli-process';

const ROOT = join(import.meta.dirname, '..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `npm run echo` (tsx examples/echo-destination.ts) as one process, with its output. */
function startEcho(env: NodeJS.ProcessEnv): { output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'examples', 'echo-destination.ts')], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  return { output: () => output };
}

async function waitFor(pattern: RegExp, read: () => string): Promise<RegExpExecArray> {
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('runs on other ports: ECHO_PORT for the echo destination and the config, PORT for the bridge', async () => {
  // Port 0: the system picks free ports, so the test never collides with a port in use; the
  // defaults (8787, 9999) are not used.
  const echo = startEcho({ ECHO_PORT: '0' });
  const [, echoPort] = await waitFor(/echo destination on http:\/\/127\.0\.0\.1:(\d+)/, echo.output);
  expect(echoPort).not.toBe('9999');

  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-quick-start-'));
  dirs.push(dir);
  const bridge: CliProcess = startCli(
    [
      'serve',
      '--config',
      join(ROOT, 'examples', 'bridge.config.yaml'),
      '--secrets',
      join(ROOT, 'examples', 'secrets.local.json'),
    ],
    { PORT: '0', ECHO_PORT: echoPort, TFE_BRIDGE_STORE: join(dir, 'bridge.db') },
  );
  children.push(bridge.child);
  const [, url] = await bridge.waitForOutput(/"message":"listening","url":"([^"]+)"/);
  expect(url).not.toContain(':8787');

  const sent = await runCli([
    'send-test',
    '--url',
    `${url}/hooks/demo`,
    '--token',
    'local-demo-signing-token',
    '--fixture',
    'tfe-run-planned',
  ]);
  expect(sent.stdout).toBe('HTTP 202 Accepted\n{"accepted":["echo"]}\n');
  expect(sent.code).toBe(0);
  await waitFor(/-> 200\n/, echo.output);
  expect(echo.output()).toContain(
    'POST /v1/api/callback/1122334455/callback -> 200\ncontent-type: application/json\nauthorization: matches the token\n',
  );
});
