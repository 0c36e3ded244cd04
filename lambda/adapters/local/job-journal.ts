// A durable record of accepted jobs for local mode, so a 202 survives a crash: every accepted
// job is appended before the request is answered, every finished one (delivered or
// dead-lettered) is appended after; on start, jobs accepted but never finished are recovered.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeliveryJob } from '../../core/jobs';

export const DEFAULT_JOURNAL_FILE = '.tfe-bridge/journal.jsonl';

type Entry = { op: 'accepted'; job: DeliveryJob } | { op: 'finished'; jobId: string };

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class JobJournal {
  /** Lines waiting for the next write, and who waits for them. */
  private queued: string[] = [];
  private waiters: Waiter[] = [];
  /** True while a write loop runs; it takes every line queued meanwhile in one write. */
  private writing = false;
  private idle: Promise<void> = Promise.resolve();
  /** Opened once (directory included): appends are on the request path. */
  private file: Promise<FileHandle> | undefined;
  /** A failed write of `finished` lines, reported to the next finished() caller. */
  private finishedError: unknown;
  /** The last write failed, possibly part-way through a line. */
  private mayBeTorn = false;

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

  /** Resolves once the jobs are written to the file: only then may the request be answered. */
  accepted(jobs: readonly DeliveryJob[]): Promise<void> {
    return this.append(jobs.map((job) => ({ op: 'accepted', job })));
  }

  /**
   * Queues the job's `finished` line and returns without waiting for the disk, so a lane can
   * start its next delivery: a `finished` line lost in a crash only means one more delivery of
   * that job after the restart. A failed write is reported by the next call.
   */
  finished(jobId: string): Promise<void> {
    const failed = this.finishedError;
    this.finishedError = undefined;
    this.append([{ op: 'finished', jobId }]).catch((error: unknown) => {
      this.finishedError ??= error;
    });
    return failed === undefined ? Promise.resolve() : Promise.reject(failed);
  }

  /** Resolves when every line queued so far is written. */
  async flush(): Promise<void> {
    while (this.writing) await this.idle;
  }

  /** Writes what is queued and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    const file = this.file;
    this.file = undefined;
    await file?.then((handle) => handle.close()).catch(() => undefined);
  }

  private append(entries: Entry[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
      this.waiters.push({ resolve, reject });
      if (!this.writing) {
        this.writing = true;
        this.idle = this.writeQueued();
      }
    });
  }

  /** Group commit: one write for everything queued while the previous write was in flight. */
  private async writeQueued(): Promise<void> {
    while (this.queued.length > 0) {
      // After a failed write the file may end in a partial line: start on a fresh one, so the
      // next entry is not glued to it and lost to recover() (which skips unreadable lines).
      const text = (this.mayBeTorn ? '\n' : '') + this.queued.join('');
      const waiters = this.waiters;
      this.queued = [];
      this.waiters = [];
      try {
        // writeFile on a handle opened for appending writes every byte, at the end of the file.
        await (await this.open()).writeFile(text, 'utf8');
        this.mayBeTorn = false;
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.mayBeTorn = true;
        // Reopen on the next write: the handle may be what failed.
        const failed = this.file;
        this.file = undefined;
        void failed?.then((handle) => handle.close()).catch(() => undefined);
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.writing = false;
  }

  private open(): Promise<FileHandle> {
    this.file ??= mkdir(dirname(this.path), { recursive: true })
      .then(() => open(this.path, 'a'))
      .catch((error: unknown) => {
        this.file = undefined; // try again on the next append
        throw error;
      });
    return this.file;
  }
}
