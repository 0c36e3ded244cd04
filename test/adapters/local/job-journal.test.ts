import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
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
    expect(new JobJournal(path).recover().map((j) => j.id)).toEqual(['a', 'c']);
  });

  it('counts a job accepted twice (after the dedup window) as two deliveries', async () => {
    const path = journalPath();
    const journal = new JobJournal(path);
    await journal.accepted([job('a')]);
    await journal.finished('a');
    await journal.accepted([job('a')]);
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
    new JobJournal(path).recover();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('recovers nothing when there is no file yet', () => {
    expect(new JobJournal(journalPath()).recover()).toEqual([]);
  });
});
