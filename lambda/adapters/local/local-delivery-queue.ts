// The local JobQueue: an in-process queue per destination that delivers with the same retry
// policy as the AWS worker. One lane per destination keeps its notifications in order (like an
// SQS FIFO message group) and keeps a slow destination from delaying the others.
import { attemptDelivery, type DeliveryDeps, type DeliveryTarget } from '../../core/delivery';
import { QueueError } from '../../core/errors';
import {
  type DeadLetterReason,
  type DeliveryJob,
  deadLetterFor,
  destinationKey,
  idempotencyKeyFor,
} from '../../core/jobs';
import { nextStep } from '../../core/retry-policy';
import type { DeadLetterStore, JobQueue } from '../../ports';
import type { JobJournal } from './job-journal';

/** Like SQS FIFO deduplication: the same body for the same destination within this window is
 *  accepted but delivered once. */
export const DEDUP_WINDOW_MS = 5 * 60_000;

export interface LocalQueueOptions {
  targets: ReadonlyMap<string, DeliveryTarget>;
  deps: Omit<DeliveryDeps, 'signal'>;
  deadLetters: DeadLetterStore;
  /** Makes accepted jobs survive a crash; without it they live in memory only. */
  journal?: JobJournal;
  dedupWindowMs?: number;
  random?: () => number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class LocalDeliveryQueue implements JobQueue {
  private readonly lanes = new Map<string, DeliveryJob[]>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly shutdown = new AbortController();
  /** Set while draining: retries that would wait past it are dead-lettered at once. */
  private deadline: number | undefined;
  /** jobId → when it was last accepted, for deduplication. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: LocalQueueOptions) {}

  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    if (this.deadline !== undefined) throw new QueueError('the bridge is shutting down');
    const fresh = this.withoutDuplicates(jobs);
    // Journal first: the caller answers 202 only after this resolves.
    await this.options.journal?.accepted(fresh);
    this.start(fresh);
  }

  /** Re-queues the jobs an earlier run accepted but did not finish. Returns how many. */
  recover(): number {
    const jobs = this.options.journal?.recover() ?? [];
    for (const job of jobs) this.seen.set(job.id, Date.now());
    this.start(jobs);
    return jobs.length;
  }

  private withoutDuplicates(jobs: readonly DeliveryJob[]): DeliveryJob[] {
    const now = Date.now();
    const window = this.options.dedupWindowMs ?? DEDUP_WINDOW_MS;
    for (const [id, at] of this.seen) {
      if (now - at < window) break; // insertion order: the rest are newer
      this.seen.delete(id);
    }
    const fresh = jobs.filter((job) => !this.seen.has(job.id));
    for (const job of fresh) this.seen.set(job.id, now);
    return fresh;
  }

  private start(jobs: readonly DeliveryJob[]): void {
    for (const job of jobs) {
      const key = destinationKey(job.routeId, job.destinationId);
      const lane = this.lanes.get(key) ?? [];
      lane.push(job);
      this.lanes.set(key, lane);
      if (!this.running.has(key)) this.running.set(key, this.runLane(key, lane));
    }
  }

  /** Jobs accepted but not finished (delivered or dead-lettered). */
  get pending(): number {
    let count = 0;
    for (const lane of this.lanes.values()) count += lane.length;
    return count;
  }

  /**
   * Stops accepting jobs and lets in-flight ones finish for up to `timeoutMs`; then aborts what
   * is left, which is dead-lettered with reason `shutdown`. Nothing is dropped.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.deadline = Date.now() + timeoutMs;
    const idle = Promise.all(this.running.values());
    const timer = setTimeout(() => this.shutdown.abort(), timeoutMs);
    await idle;
    clearTimeout(timer);
    // Lanes started by enqueues that raced with the drain call.
    await Promise.all(this.running.values());
  }

  private async runLane(key: string, lane: DeliveryJob[]): Promise<void> {
    try {
      for (let job = lane[0]; job !== undefined; job = lane[0]) {
        await this.deliver(job);
        await this.options.journal?.finished(job.id).catch((error: Error) => {
          // The job is done; at worst a restart delivers it once more.
          this.options.deps.logger.error('journal write failed', { jobId: job.id, cause: error.message });
        });
        lane.shift();
      }
    } finally {
      this.running.delete(key);
    }
  }

  private async deliver(job: DeliveryJob): Promise<void> {
    const { targets, deps } = this.options;
    const target = targets.get(destinationKey(job.routeId, job.destinationId));
    if (!target) {
      return this.deadLetter(job, 'unknown-destination', 0, {
        error: 'destination is not in the current config',
      });
    }
    const signal = this.shutdown.signal;
    let last: { status?: number; error: string } = { error: 'not attempted: the bridge is shutting down' };
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return this.deadLetter(job, 'shutdown', attempt - 1, last);
      const result = await attemptDelivery(job, target, attempt, { ...deps, signal });
      const step = nextStep(result, attempt, target.destination.retry, this.options.random);
      if (step.action === 'done') return;
      last = result.outcome === 'delivered' ? last : result;
      if (step.action === 'dead-letter') return this.deadLetter(job, step.reason, attempt, last);
      if (this.deadline !== undefined && Date.now() + step.delayMs > this.deadline) {
        return this.deadLetter(job, 'shutdown', attempt, last);
      }
      await sleep(step.delayMs, signal);
    }
  }

  private async deadLetter(
    job: DeliveryJob,
    reason: DeadLetterReason,
    attempts: number,
    last: { status?: number; error: string },
  ): Promise<void> {
    const target = this.options.targets.get(destinationKey(job.routeId, job.destinationId));
    const idempotencyKey = target ? idempotencyKeyFor(job.routeId, target.destination, job.body) : null;
    const letter = deadLetterFor(job, reason, attempts, last, new Date(), idempotencyKey);
    const { logger } = this.options.deps;
    const fields = {
      route: job.routeId,
      destination: job.destinationId,
      jobId: job.id,
      idempotencyKey,
      reason,
      attempts,
    };
    try {
      await this.options.deadLetters.write(letter);
      logger.warn('dead-lettered', { ...fields, lastStatus: letter.lastStatus, lastError: letter.lastError });
    } catch (error) {
      // Last resort: the letter goes to the log so it is still recoverable.
      logger.error('dead letter could not be stored', { ...fields, cause: (error as Error).message, letter });
    }
  }
}
