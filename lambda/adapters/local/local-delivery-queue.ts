// The local JobQueue: an in-process queue per destination that delivers with the same retry
// policy as the AWS worker. One lane per destination keeps its notifications in order (like an
// SQS FIFO message group) and keeps a slow destination from delaying the others.
import { attemptDelivery, type DeliveryDeps, type DeliveryTarget } from '../../core/delivery';
import {
  circuitMetrics,
  DestinationGuards,
  type GuardListener,
  guardLogger,
  isHeldTooLong,
  MAX_HELD_JOB_AGE_MS,
} from '../../core/destination-guard';
import { QueueError } from '../../core/errors';
import {
  type DeadLetterReason,
  type DeliveryJob,
  deadLetterFor,
  destinationKey,
  idempotencyKeyFor,
} from '../../core/jobs';
import { deliveryLabels, NO_METRICS } from '../../core/metric-names';
import { nextStep } from '../../core/retry-policy';
import type { DeadLetterStore, JobQueue } from '../../ports';
import { ConcurrencyLimit } from './concurrency-limit';
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
  /** Deliveries in flight at once across all lanes (config `maxConcurrency`); default: no bound. */
  maxConcurrency?: number;
  /** Sees every circuit-breaker and rate-limit change (besides the log line), e.g. for metrics. */
  onGuardEvent?: GuardListener;
  /** Jobs held by an open circuit longer than this are dead-lettered as `expired`. */
  maxHeldJobAgeMs?: number;
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
  /** Circuit breaker and token bucket of each destination. */
  private readonly guards: DestinationGuards;
  private readonly slots: ConcurrencyLimit | undefined;

  constructor(private readonly options: LocalQueueOptions) {
    const metrics = circuitMetrics(options.deps.metrics ?? NO_METRICS);
    this.guards = new DestinationGuards(
      Date.now,
      guardLogger(options.deps.logger, metrics, options.onGuardEvent),
    );
    this.slots =
      options.maxConcurrency === undefined ? undefined : new ConcurrencyLimit(options.maxConcurrency);
  }

  private get metrics() {
    return this.options.deps.metrics ?? NO_METRICS;
  }

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
    const { targets } = this.options;
    const target = targets.get(destinationKey(job.routeId, job.destinationId));
    if (!target) {
      return this.deadLetter(job, 'unknown-destination', 0, {
        error: 'destination is not in the current config',
      });
    }
    const signal = this.shutdown.signal;
    const guard = this.guards.for({ route: job.routeId, destination: job.destinationId }, target.destination);
    let last: { status?: number; error: string } = { error: 'not attempted: the bridge is shutting down' };
    // `attempt` numbers every request sent; `counted` only those charged to the retry budget (a
    // failed circuit probe is not: the breaker, not the job, decided to try).
    for (let attempt = 1, counted = 0; ; ) {
      if (signal.aborted) return this.deadLetter(job, 'shutdown', attempt - 1, last);
      const gate = guard.gate();
      if (gate.action === 'wait') {
        // While the circuit is open the job stays at the head of its lane (and in the journal).
        const maxAge = this.options.maxHeldJobAgeMs ?? MAX_HELD_JOB_AGE_MS;
        if (gate.cause === 'circuit-open' && isHeldTooLong(Date.parse(job.receivedAt), Date.now(), maxAge)) {
          return this.deadLetter(job, 'expired', attempt - 1, last);
        }
        if (!(await this.pause(gate.waitMs))) return this.deadLetter(job, 'shutdown', attempt - 1, last);
        continue;
      }
      const result = await this.attempt(job, target, attempt, signal);
      if (result === undefined) return this.deadLetter(job, 'shutdown', attempt - 1, last);
      const { held } = guard.record(result);
      if (!(gate.probe && held)) counted++;
      const step = nextStep(result, counted, target.destination.retry, this.options.random);
      if (step.action === 'done') {
        this.metrics.count('deliveries', deliveryLabels(job, 'delivered'));
        return;
      }
      last = result.outcome === 'delivered' ? last : result;
      // A job is never `exhausted` while its destination's circuit is open: it waits for the probe.
      if (step.action === 'dead-letter' && !(held && step.reason === 'exhausted')) {
        return this.deadLetter(job, step.reason, attempt, last);
      }
      this.metrics.count('deliveries', deliveryLabels(job, 'retried'));
      attempt++;
      if (held) continue;
      if (step.action === 'retry' && !(await this.pause(step.delayMs))) {
        return this.deadLetter(job, 'shutdown', attempt - 1, last);
      }
    }
  }

  /** One attempt within the concurrency bound; undefined if shutdown came first. */
  private async attempt(job: DeliveryJob, target: DeliveryTarget, attempt: number, signal: AbortSignal) {
    if (this.slots && !(await this.slots.acquire(signal))) return undefined;
    try {
      return await attemptDelivery(job, target, attempt, { ...this.options.deps, signal });
    } finally {
      this.slots?.release();
    }
  }

  /** Waits `ms` unless that passes the drain deadline; false when the lane must stop (shutdown). */
  private async pause(ms: number): Promise<boolean> {
    if (this.deadline !== undefined && Date.now() + ms > this.deadline) return false;
    await sleep(ms, this.shutdown.signal);
    return !this.shutdown.signal.aborted;
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
    this.metrics.count('deliveries', deliveryLabels(job, 'dead_lettered'));
  }
}
