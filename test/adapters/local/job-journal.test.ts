import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobJournal } from '../../../lambda/adapters/local/job-journal';
import type { DeliveryJob } from '../../../lambda/core/jobs';

const job = (id: string, receivedAt = '2026-11-24T12:00:00.000Z'): DeliveryJob => ({
  id,
  routeId: 'r',
  destinationId: 'd',
  body: `{"n":"${id}"}`,
  receivedAt,
  kind: 'run',
  triggers: ['run:completed'],
});

const journalPath = () => join(mkdtempSync(join(tmpdir(), 'tfe-bridge-journal-')), 'nested', 'journal.jsonl');

describe('JobJournal', () => {
  it('recovers jobs accepted and never finished, oldest first', async () => {
    const path = journalPath();
    const journal = new JobJournal(path);
    await journal.accepted([job('b', '2026-11-24T12:00:02.000Z'), job('a', '2026-11-24T12:00:01.000Z')]);
    await journal.accepted([job('c', '2026-11-24T12:00:03.000Z')]);
    await journal.finished('b');
    await journal.close();
    expect(new JobJournal(path).recover().map((j) => j.id)).toEqual(['a', 'c']);
  });

  it('counts a job accepted twice (after the dedup window) as two deliveries', async () => {
    const path = journalPath();
    const journal = new JobJournal(path);
    await journal.accepted([job('a')]);
    await journal.finished('a');
    await journal.accepted([job('a')]);
    await journal.close();
    expect(new JobJournal(path).recover().map((j) => j.id)).toEqual(['a']);
  });

  it('skips a torn last line left by a crash mid-write', async () => {
    const path = journalPath();
    await new JobJournal(path).accepted([job('a')]);
    appendFileSync(path, '{"op":"accepted","job":{"id":"tor');
    expect(new JobJournal(path).recover().map((j) => j.id)).toEqual(['a']);
  });

  it('compacts the file to the pending jobs on recovery', async () => {
    const path = journalPath();
    const journal = new JobJournal(path);
    await journal.accepted([job('a'), job('b')]);
    await journal.finished('a');
    await journal.close();
    new JobJournal(path).recover();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('has written the accepted jobs when accepted() resolves, with finished lines behind them', async () => {
    const path = journalPath();
    const journal = new JobJournal(path);
    await journal.accepted([job('a')]);
    expect(readFileSync(path, 'utf8')).toContain('"id":"a"');
    await journal.finished('a');
    await journal.flush();
    expect(new JobJournal(path).recover()).toEqual([]);
  });

  it('writes appends made while a write is in flight, in order, each caller resolved', async () => {
    const path = journalPath();
    const journal = new JobJournal(path);
    const ids = Array.from({ length: 50 }, (_, i) => `j${i}`);
    await Promise.all(ids.map((id) => journal.accepted([job(id)])));
    for (const id of ids.slice(0, 25)) await journal.finished(id);
    await journal.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.slice(0, 50).map((line) => JSON.parse(line).job.id)).toEqual(ids);
    expect(new JobJournal(path).recover().map((j) => j.id)).toEqual(ids.slice(25));
  });

  it('rejects accepted() when the file cannot be written, and reports a lost finished line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-journal-'));
    // A directory where the file should be: opening it for appending fails.
    const path = join(dir, 'journal.jsonl');
    mkdirSync(path);
    const journal = new JobJournal(path);
    await expect(journal.accepted([job('a')])).rejects.toThrow(/EISDIR/);
    await journal.finished('a');
    await journal.flush();
    await expect(journal.finished('b')).rejects.toThrow(/EISDIR/);
  });

  it('starts on a fresh line after a failed write, so a torn line cannot swallow the next job', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-journal-'));
    const path = join(dir, 'journal.jsonl');
    mkdirSync(path);
    const journal = new JobJournal(path);
    await expect(journal.accepted([job('a')])).rejects.toThrow(/EISDIR/);
    // What a write that failed part-way (ENOSPC, EIO) leaves behind: half a line, no newline.
    rmdirSync(path);
    writeFileSync(path, '{"op":"accepted","job":{"id":"a","rou');
    await journal.accepted([job('b')]);
    await journal.close();
    expect(new JobJournal(path).recover().map((j) => j.id)).toEqual(['b']);
  });

  it('recovers nothing when there is no file yet', () => {
    expect(new JobJournal(journalPath()).recover()).toEqual([]);
  });
});
