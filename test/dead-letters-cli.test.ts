// `tfe-bridge dead-letters list|replay` with the real binary, on a dead-letter file written by
// a real local bridge.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DeadLetterFile } from '../lambda/adapters/local/dead-letter-file';
import { deadLetterFor, jobIdFor } from '../lambda/core/jobs';
import { runCli, startCli } from './support/cli-process';
import { hang, requireBearer, startDestination } from './support/destination-server';
import { fixture } from './support/fixtures';

const TOKEN = 'replay-bearer-token-123456';

/** `dead-letters replay` on the files `setup` wrote, plus any extra flags. */
const replayArgs = (
  paths: { file: string; config: string; secrets: string },
  ...extra: string[]
): string[] => [
  'dead-letters',
  'replay',
  '--file',
  paths.file,
  '--config',
  paths.config,
  '--secrets',
  paths.secrets,
  ...extra,
];

async function setup(apiUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-dl-'));
  const file = join(dir, 'dl.jsonl');
  const config = join(dir, 'bridge.yaml');
  const secrets = join(dir, 'secrets.json');
  writeFileSync(
    config,
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
  writeFileSync(secrets, JSON.stringify({ token: TOKEN }));
  const store = new DeadLetterFile(file);
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
      6,
      { status: 503, error: 'HTTP 503' },
      new Date('2026-11-24T12:05:00Z'),
    );
  };
  await store.write(letter('tfe-run-errored', 'exhausted'));
  await store.write(letter('tfe-run-planned', 'permanent'));
  return { file, config, secrets, store };
}

describe('tfe-bridge dead-letters', () => {
  it('lists letters as JSON lines, filtered by reason', async () => {
    const { file } = await setup('http://127.0.0.1:1');
    const all = await runCli(['dead-letters', 'list', '--file', file]);
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n')).toHaveLength(2);
    const exhausted = await runCli(['dead-letters', 'list', '--file', file, '--reason', 'exhausted']);
    expect(
      exhausted.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).reason),
    ).toEqual(['exhausted']);
  });

  it('replays the selected letters, removes the delivered ones and exits 0', async () => {
    const api = await startDestination(requireBearer(() => TOKEN));
    const paths = await setup(api.url);
    const { store } = paths;
    const result = await runCli(replayArgs(paths, '--reason', 'exhausted'));
    expect(result.stdout).toContain('replayed 1: delivered 1, dead-lettered again 0');
    expect(result.code).toBe(0);
    expect(api.received.map((r) => r.body)).toEqual([fixture('tfe-run-errored')]);
    // The same Idempotency-Key as the original attempts, so a destination that did act on one dedupes.
    expect(api.received.map((r) => r.headers['idempotency-key'])).toEqual([
      jobIdFor('runs', 'api', fixture('tfe-run-errored')),
    ]);
    expect(store.readAll().map((l) => l.reason)).toEqual(['permanent']);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    await api.close();
  });

  it('loses nothing when killed mid-replay: the letters stay in the file until replayed', async () => {
    const api = await startDestination(hang);
    const paths = await setup(api.url);
    const { file, store } = paths;
    const before = readFileSync(file, 'utf8');
    const cli = startCli(replayArgs(paths));
    await api.waitFor(1); // a delivery is in flight
    cli.child.kill('SIGKILL');
    await cli.done;
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(store.readAll()).toHaveLength(2);
    await api.close();
  });

  it('writes a letter that fails again back to the file and exits 1', async () => {
    const api = await startDestination(() => ({ status: 500 }));
    const paths = await setup(api.url);
    const { store } = paths;
    const result = await runCli(replayArgs(paths));
    expect(result.stdout).toContain('replayed 2: delivered 0, dead-lettered again 2');
    expect(result.code).toBe(1);
    expect(store.readAll()).toHaveLength(2);
    await api.close();
  });

  it('exits 2 without an action', async () => {
    const result = await runCli(['dead-letters']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('dead-letters needs an action: list or replay');
  });
});
