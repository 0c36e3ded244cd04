// `tfe-bridge dead-letters list|replay` with the real binary, on the local store: letters
// imported from a file an earlier version wrote, replayed by the command itself or handed to a
// running bridge.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { deadLetterFor } from '../lambda/core/deliver/dead-letter';
import { jobIdFor } from '../lambda/core/receive/jobs';
import { type CliProcess, runCli, startCli } from './support/cli-process';
import { type DestinationServer, hang, requireBearer, startDestination } from './support/destination-server';
import { fixture } from './support/fixtures';

const TOKEN = 'replay-bearer-token-123456';

const open: Array<DestinationServer | CliProcess> = [];
afterEach(async () => {
  for (const thing of open.splice(0)) {
    if ('child' in thing) thing.child.kill('SIGKILL');
    else await thing.close();
  }
});

async function destination(...args: Parameters<typeof startDestination>) {
  const server = await startDestination(...args);
  open.push(server);
  return server;
}

/** A config, a secrets file, and a dead-letter file as tfe-bridge 0.1 wrote it (JSON lines). */
function setup(apiUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-dl-'));
  const paths = {
    dir,
    file: join(dir, 'dl.jsonl'),
    store: join(dir, 'bridge.db'),
    config: join(dir, 'bridge.yaml'),
    secrets: join(dir, 'secrets.json'),
  };
  writeFileSync(
    paths.config,
    stringify({
      routes: [
        {
          id: 'runs',
          allowUnsigned: true,
          allowInsecureHttp: true,
          destinations: [
            {
              id: 'api',
              url: apiUrl,
              auth: { type: 'bearer', secret: { secretId: 'token' } },
              retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
            },
          ],
        },
      ],
    }),
  );
  writeFileSync(paths.secrets, JSON.stringify({ token: TOKEN }));
  const letter = (name: string, reason: 'exhausted' | 'permanent') => {
    const body = fixture(name);
    const job = {
      id: jobIdFor('runs', 'api', body),
      routeId: 'runs',
      destinationId: 'api',
      body,
      receivedAt: '2026-11-24T12:00:00.000Z',
      kind: 'run' as const,
      triggers: ['run:errored'],
    };
    return deadLetterFor(
      job,
      reason,
      { attempts: 6, last: { status: 503, error: 'HTTP 503' } },
      new Date('2026-11-24T12:05:00Z'),
    );
  };
  writeFileSync(
    paths.file,
    [letter('tfe-run-errored', 'exhausted'), letter('tfe-run-planned', 'permanent')]
      .map((l) => `${JSON.stringify(l)}\n`)
      .join(''),
  );
  return paths;
}

type Paths = ReturnType<typeof setup>;
const withStore = (paths: Paths, ...args: string[]) => [...args, '--store', paths.store];
const replayArgs = (paths: Paths, ...extra: string[]) =>
  withStore(paths, 'dead-letters', 'replay', '--config', paths.config, '--secrets', paths.secrets, ...extra);

async function list(paths: Paths, ...extra: string[]) {
  const result = await runCli(withStore(paths, 'dead-letters', 'list', ...extra));
  expect(result.code).toBe(0);
  const letters = result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
  return { letters, stderr: result.stderr };
}

describe('tfe-bridge dead-letters', () => {
  it('imports an old dead-letter file once, then lists the letters from the store, filtered by reason', async () => {
    const paths = setup('http://127.0.0.1:1');
    const first = await list(paths, '--file', paths.file);
    expect(first.letters.map((l) => l.reason)).toEqual(['exhausted', 'permanent']);
    expect(first.stderr).toContain('2 of 2 dead letters in');
    expect(existsSync(paths.file)).toBe(false);
    expect(existsSync(`${paths.file}.imported`)).toBe(true);

    const exhausted = await list(paths, '--reason', 'exhausted');
    expect(exhausted.letters.map((l) => [l.reason, l.lastError, l.payload])).toEqual([
      ['exhausted', 'HTTP 503', fixture('tfe-run-errored')],
    ]);
  });

  it('replays the selected letters itself when no bridge runs, and exits 0', async () => {
    const api = await destination(requireBearer(() => TOKEN));
    const paths = setup(api.url);
    const result = await runCli(replayArgs(paths, '--file', paths.file, '--reason', 'exhausted'));
    expect(result.stdout).toContain('replayed 1: delivered 1, dead-lettered again 0');
    expect(result.code).toBe(0);
    expect(api.received.map((r) => r.body)).toEqual([fixture('tfe-run-errored')]);
    // The same Idempotency-Key as the original attempts, so a destination that did act on one dedupes.
    expect(api.received.map((r) => r.headers['idempotency-key'])).toEqual([
      jobIdFor('runs', 'api', fixture('tfe-run-errored')),
    ]);
    expect((await list(paths)).letters.map((l) => l.reason)).toEqual(['permanent']);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('loses nothing when killed mid-replay: the next serve on the store delivers the letters', async () => {
    let up = false;
    const api = await destination((request, n) => (up ? { status: 200 } : hang(request, n)));
    const paths = setup(api.url);
    const cli = startCli(replayArgs(paths, '--file', paths.file));
    open.push(cli);
    await api.waitFor(1); // a delivery is in flight
    cli.child.kill('SIGKILL');
    await cli.done;

    up = true;
    const serve = startCli([
      'serve',
      '--config',
      paths.config,
      '--secrets',
      paths.secrets,
      '--port',
      '0',
      '--store',
      paths.store,
    ]);
    open.push(serve);
    await api.waitFor(3);
    expect(new Set(api.received.slice(1).map((r) => r.body))).toEqual(
      new Set([fixture('tfe-run-errored'), fixture('tfe-run-planned')]),
    );
  });

  it('hands the letters to a bridge running on the same store, which delivers them', async () => {
    const api = await destination(requireBearer(() => TOKEN));
    const paths = setup(api.url);
    await list(paths, '--file', paths.file); // import
    const serve = startCli([
      'serve',
      '--config',
      paths.config,
      '--secrets',
      paths.secrets,
      '--port',
      '0',
      '--store',
      paths.store,
    ]);
    open.push(serve);
    await serve.waitForOutput(/"message":"listening"/);

    // No --config: the running bridge delivers with its own.
    const result = await runCli(withStore(paths, 'dead-letters', 'replay'));
    expect(result.stderr).toMatch(/handed 2 letters to the running bridge \(process \d+/);
    expect(result.stdout).toContain('replayed 2: delivered 2, dead-lettered again 0');
    expect(result.code).toBe(0);
    expect(api.received.map((r) => r.body)).toEqual([fixture('tfe-run-errored'), fixture('tfe-run-planned')]);
    expect((await list(paths)).letters).toEqual([]);
  });

  it('keeps a letter that fails again as a dead letter and exits 1', async () => {
    const api = await destination(() => ({ status: 500 }));
    const paths = setup(api.url);
    const result = await runCli(replayArgs(paths, '--file', paths.file));
    expect(result.stdout).toContain('replayed 2: delivered 0, dead-lettered again 2');
    expect(result.code).toBe(1);
    expect((await list(paths)).letters.map((l) => [l.reason, l.lastStatus])).toEqual([
      ['exhausted', 500],
      ['exhausted', 500],
    ]);
  });

  it('says what it read when there is nothing: no store, or no letter selected', async () => {
    const paths = setup('http://127.0.0.1:1');
    const missing = await runCli(withStore(paths, 'dead-letters', 'list'));
    expect(missing.code).toBe(0);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain(`no store at ${paths.store}: nothing was dead-lettered there`);

    const none = await list(paths, '--file', paths.file, '--destination', 'runs/other');
    expect(none.letters).toEqual([]);
    expect(none.stderr).toContain('0 of 2 dead letters in');
  });

  it.each([
    [['dead-letters'], 'dead-letters needs an action: list or replay'],
    [['dead-letters', 'show'], 'dead-letters has no action "show": use list or replay'],
    [['dead-letters', 'list', '--reason', 'exausted'], '--reason must be one of: exhausted, permanent'],
    [['dead-letters', 'list', '--destination', 'api'], '--destination must be ROUTE/DESTINATION'],
  ])('exits 2 on %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
