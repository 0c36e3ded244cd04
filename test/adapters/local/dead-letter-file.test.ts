// The local dead-letter file under concurrent use: the bridge appends while `dead-letters replay`
// (another process) rewrites it, so both go through `<file>.lock`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { DeadLetterFile } from '../../../lambda/adapters/local/dead-letter-file';
import { type DeadLetter, deadLetterFor } from '../../../lambda/core/jobs';

const letter = (id: string): DeadLetter =>
  deadLetterFor(
    {
      id: id.padEnd(64, '0'),
      routeId: 'runs',
      destinationId: 'api',
      body: `{"n":"${id}"}`,
      receivedAt: '2026-11-24T12:00:00.000Z',
      kind: 'run',
      triggers: ['run:errored'],
    },
    'exhausted',
    3,
    { status: 500, error: 'HTTP 500' },
    new Date('2026-11-24T12:01:00Z'),
  );

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tfe-bridge-dlf-')), 'dl.jsonl');
const ids = (file: DeadLetterFile) => file.readAll().map((l) => l.jobId.slice(0, 1));

/** A pid no process has: one that just exited. */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
};

describe('DeadLetterFile', () => {
  it('keeps a letter appended while a rewrite runs (the rewrite sees it, not overwrites it)', async () => {
    const path = tempFile();
    const replay = new DeadLetterFile(path);
    const bridge = new DeadLetterFile(path);
    await bridge.write(letter('a'));
    await bridge.write(letter('b'));
    let appended: Promise<void> | undefined;
    await replay.rewrite(async (current) => {
      appended = bridge.write(letter('c'));
      await sleep(50); // long enough for the append to land, were it not waiting for the lock
      return current.filter((l) => !l.jobId.startsWith('a'));
    });
    await appended;
    expect(ids(replay)).toEqual(['b', 'c']);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('takes over a lock left by a process that is gone (killed inside a rewrite)', async () => {
    const path = tempFile();
    writeFileSync(`${path}.lock`, String(deadPid()));
    const sixSecondsAgo = new Date(Date.now() - 6_000);
    utimesSync(`${path}.lock`, sixSecondsAgo, sixSecondsAgo);
    const file = new DeadLetterFile(path, { waitMs: 200 });
    await file.write(letter('a'));
    expect(ids(file)).toEqual(['a']);
  });

  it('takes over a lock naming its own pid that it does not hold (pid 1 again after a container restart)', async () => {
    const path = tempFile();
    writeFileSync(`${path}.lock`, String(process.pid));
    const file = new DeadLetterFile(path, { waitMs: 200 });
    await file.write(letter('a'));
    expect(ids(file)).toEqual(['a']);
  });

  it('lets a thousand lanes of one process dead-letter at once: they queue, none times out', async () => {
    const path = tempFile();
    const file = new DeadLetterFile(path, { waitMs: 200 });
    await Promise.all(Array.from({ length: 1_000 }, (_, i) => file.write(letter(`x${i}`))));
    expect(file.readAll()).toHaveLength(1_000);
  });

  it('waits for a live owner, then fails naming it, so the caller can log the letter instead', async () => {
    const path = tempFile();
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)']);
    writeFileSync(`${path}.lock`, String(owner.pid));
    const file = new DeadLetterFile(path, { waitMs: 100 });
    await expect(file.write(letter('a'))).rejects.toThrow(
      `${path}.lock is held by process ${owner.pid}; delete it if that process is gone`,
    );
    expect(file.readAll()).toEqual([]);
    owner.kill();
  });
});
