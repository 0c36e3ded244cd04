// The local JobQueue: every job is a row in the SQLite store before the request is answered.
// Requests that arrive in the same turn of the event loop share one transaction (group commit).
// A job already accepted within the dedup window (same destination, same body) is not stored
// again, like SQS FIFO deduplication; nothing is remembered that was not committed.

import type { DeliveryJob } from '../../core/contract';
import { QueueError } from '../../core/errors';
import type { JobQueue, Logger } from '../../core/ports';
import { destinationKey } from '../../core/receive/jobs';
import type { LocalStore } from './local-store';
import { describeStoreError } from './sqlite-store';

/** Like SQS FIFO deduplication: the same body for the same destination within this window is
 *  accepted but stored (and delivered) once. */
export const DEDUP_WINDOW_MS = 5 * 60_000;

/** A job's lane: its ordering group (jobs of one lane are delivered one at a time, in order). A
 *  job stored before ordering groups existed keeps its destination's order. */
export const laneOf = (job: Pick<DeliveryJob, 'routeId' | 'destinationId' | 'group'>): string =>
  job.group ?? destinationKey(job.routeId, job.destinationId);

interface Waiting {
  jobs: readonly DeliveryJob[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface StoreQueueOptions {
  store: LocalStore;
  logger: Logger;
  /** Called after each commit with the lanes that got new jobs. */
  onQueued: (lanes: Set<string>) => void;
  dedupWindowMs?: number;
  now?: () => number;
}

export class StoreQueue implements JobQueue {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private closed = false;

  constructor(private readonly options: StoreQueueOptions) {}

  enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    if (this.closed) return Promise.reject(new QueueError('the bridge is shutting down'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ jobs, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.commit());
    });
  }

  /** Refuses further jobs (shutdown); what is committed stays for the next start. */
  close(): void {
    this.closed = true;
  }

  private commit(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    const { store, logger } = this.options;
    let results: ReturnType<LocalStore['jobs']['accept']>;
    try {
      results = store.jobs.accept(
        batch.map((entry) => entry.jobs),
        {
          laneOf,
          now: (this.options.now ?? Date.now)(),
          dedupWindowMs: this.options.dedupWindowMs ?? DEDUP_WINDOW_MS,
        },
      );
    } catch (error) {
      const reason = describeStoreError(error);
      logger.error('store write failed: notifications refused with 503', {
        store: store.path,
        cause: reason,
      });
      for (const entry of batch) entry.reject(new QueueError(`the store refused the jobs: ${reason}`));
      return;
    }
    const lanes = new Set<string>();
    results.forEach((result, index) => {
      for (const job of result.queued) lanes.add(laneOf(job));
      for (const job of result.duplicates) {
        logger.info('duplicate within the dedup window: accepted, not queued again', {
          route: job.routeId,
          destination: job.destinationId,
          jobId: job.id,
        });
      }
      batch[index]?.resolve();
    });
    if (lanes.size > 0) this.options.onQueued(lanes);
  }
}
