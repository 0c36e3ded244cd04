// A durable record of accepted jobs for local mode, so a 202 survives a crash: every accepted
// job is appended before the request is answered, every finished one (delivered or
// dead-lettered) is appended after; on start, jobs accepted but never finished are recovered.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeliveryJob } from '../../core/jobs';

export const DEFAULT_JOURNAL_FILE = '.tfe-bridge/journal.jsonl';

type Entry = { op: 'accepted'; job: DeliveryJob } | { op: 'finished'; jobId: string };

export class JobJournal {
  /** Appends are chained so lines land in the order they were written. */
  private tail: Promise<void> = Promise.resolve();
  /** The directory is created once, not on every append (appends are on the request path). */
  private directory: Promise<unknown> | undefined;

  constructor(readonly path: string = DEFAULT_JOURNAL_FILE) {}

  /**
   * Jobs accepted by an earlier run and never finished, in acceptance order. Rewrites the file
   * to hold only those, so it does not grow without bound. A torn last line (a crash mid-write)
   * is skipped: its request was never answered.
   */
  recover(): DeliveryJob[] {
    if (!existsSync(this.path)) return [];
    const open = new Map<string, DeliveryJob[]>();
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        continue;
      }
      if (entry.op === 'accepted') open.set(entry.job.id, [...(open.get(entry.job.id) ?? []), entry.job]);
      else open.get(entry.jobId)?.shift();
    }
    const pending = [...open.values()].flat().sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    const compacted = pending.map((job) => `${JSON.stringify({ op: 'accepted', job })}\n`).join('');
    writeFileSync(`${this.path}.tmp`, compacted);
    renameSync(`${this.path}.tmp`, this.path);
    return pending;
  }

  accepted(jobs: readonly DeliveryJob[]): Promise<void> {
    return this.append(jobs.map((job) => ({ op: 'accepted', job })));
  }

  finished(jobId: string): Promise<void> {
    return this.append([{ op: 'finished', jobId }]);
  }

  private append(entries: Entry[]): Promise<void> {
    const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    const write = this.tail.then(async () => {
      this.directory ??= mkdir(dirname(this.path), { recursive: true }).catch((error: unknown) => {
        this.directory = undefined; // try again on the next append
        throw error;
      });
      await this.directory;
      await appendFile(this.path, text, 'utf8');
    });
    // A failed write must fail its own caller, not every later one.
    this.tail = write.catch(() => undefined);
    return write;
  }
}
