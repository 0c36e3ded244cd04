// Local delivery: one lane per destination takes the oldest pending row of the store, asks the
// core state machine what to do (core/deliver/engine.ts) and carries the step out: an attempt, a
// timer, a row update. Every decision is stored before the lane moves on, so a killed process
// resumes where it stopped. Nothing thrown while handling a job leaves its lane.

import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetterReason } from '../../core/contract';
import {
  type AttemptReport,
  attemptDelivery,
  type DeliveryDeps,
  type DeliveryTarget,
  logAttempt,
} from '../../core/deliver/attempt';
import { deadLetterFor, deadLetterLogFields } from '../../core/deliver/dead-letter';
import { DestinationGuards, type GuardListener } from '../../core/deliver/destination-guard';
import {
  afterAttempt,
  beforeAttempt,
  type DeliveryOutcome,
  type JobProgress,
} from '../../core/deliver/engine';
import { circuitMetrics, guardLogger } from '../../core/deliver/guard-events';
import { OAuth2Tokens } from '../../core/deliver/oauth2';
import { StoreError } from '../../core/errors';
import { deliveryLabels, NO_METRICS } from '../../core/metric-names';
import { destinationKey, idempotencyKeyFor } from '../../core/receive/jobs';
import { ConcurrencyLimit } from './concurrency-limit';
import type { StoredJob } from './job-rows';
import type { LocalStore } from './local-store';
import { describeStoreError } from './sqlite-store';
import { DEDUP_WINDOW_MS } from './store-queue';
import { startUpkeep } from './store-upkeep';

/** A store write that fails is tried again after this, doubling up to STORE_RETRY_MAX_MS. */
const STORE_RETRY_MS = 250;
const STORE_RETRY_MAX_MS = 10_000;

export interface DeliveryRunnerOptions {
  store: LocalStore;
  targets: ReadonlyMap<string, DeliveryTarget>;
  deps: Omit<DeliveryDeps, 'signal'>;
  random?: () => number;
  now?: () => number;
  /** Deliveries in flight at once across all lanes (config `maxConcurrency`); default: no bound. */
  maxConcurrency?: number;
  dedupWindowMs?: number;
  onGuardEvent?: GuardListener;
  maxHeldJobAgeMs?: number;
  /** Only these lanes (a `dead-letters replay` delivering its own letters); default: all. */
  lanes?: ReadonlySet<string>;
}

export class DeliveryRunner {
  private readonly lanes = new Map<string, Promise<void>>();
  /** Set on stop: lanes finish the job in hand and take no other. */
  private readonly stopping = new AbortController();
  /** Set when the drain time is up: in-flight requests are aborted (their rows stay pending). */
  private readonly aborting = new AbortController();
  private readonly guards: DestinationGuards;
  private readonly slots: ConcurrencyLimit | undefined;
  private stopUpkeep: () => void = () => {};
  private readonly now: () => number;
  /** OAuth2 tokens, shared by every lane: one token per destination for the whole process. */
  private readonly tokens: OAuth2Tokens;

  constructor(private readonly options: DeliveryRunnerOptions) {
    this.now = options.now ?? Date.now;
    this.tokens = options.deps.tokens ?? new OAuth2Tokens({ fetch: options.deps.fetch });
    // Each waiting lane listens to these: many lanes are normal, not a leak.
    setMaxListeners(0, this.stopping.signal, this.aborting.signal);
    const metrics = circuitMetrics(options.deps.metrics ?? NO_METRICS);
    this.guards = new DestinationGuards(
      this.now,
      guardLogger(options.deps.logger, metrics, options.onGuardEvent),
    );
    this.slots =
      options.maxConcurrency === undefined ? undefined : new ConcurrencyLimit(options.maxConcurrency);
  }

  /** Takes the store's delivery lease (StoreError if a live process holds it) and starts every
   *  lane with pending jobs, including those an earlier run left. Returns how many were pending. */
  start(): number {
    const { store, deps } = this.options;
    const holder = store.acquireLease();
    if (holder) {
      throw new StoreError(
        `${store.path} is in use by process ${holder.pid} on ${holder.host} (another tfe-bridge serve?); stop it or pass --store with another file`,
      );
    }
    this.stopUpkeep = startUpkeep({
      store,
      logger: deps.logger,
      now: this.now,
      dedupWindowMs: this.options.dedupWindowMs ?? DEDUP_WINDOW_MS,
      onNewJobs: (lanes) => this.wake(lanes),
      onLeaseLost: () => this.stopping.abort(),
    });
    const lanes = store.jobs.pendingLanes();
    this.wake(lanes);
    return lanes.length === 0 ? 0 : store.jobs.pendingCount();
  }

  /** Starts the lanes not already running. */
  wake(lanes: Iterable<string>): void {
    if (this.stopping.signal.aborted) return;
    for (const lane of lanes) {
      if (this.lanes.has(lane) || (this.options.lanes && !this.options.lanes.has(lane))) continue;
      const running = this.runLane(lane).finally(() => this.lanes.delete(lane));
      this.lanes.set(lane, running);
    }
  }

  /** Jobs accepted and not yet delivered or dead-lettered. */
  get pending(): number {
    return this.options.store.jobs.pendingCount();
  }

  /**
   * Lets in-flight attempts finish for up to `drainTimeoutMs`, then aborts them. Nothing is
   * dead-lettered: pending jobs stay in the store and are delivered on the next start.
   */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.stopping.abort();
    this.stopUpkeep();
    const timer = setTimeout(() => this.aborting.abort(), drainTimeoutMs);
    while (this.lanes.size > 0) await Promise.all(this.lanes.values());
    clearTimeout(timer);
    try {
      this.options.store.releaseLease();
    } catch {
      // A lease that cannot be released goes stale on its own.
    }
  }

  private async runLane(lane: string): Promise<void> {
    while (!this.stopping.signal.aborted) {
      let jobId: string | null = null;
      try {
        const head = await this.store(() => this.options.store.jobs.head(lane));
        if (!head) return;
        jobId = head.job.id;
        const waitMs = await this.step(head);
        if (waitMs > 0) await this.pause(waitMs);
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        // A bug, not the destination: never let it out of the lane (an unhandled rejection would
        // take the process down, and the job would crash it again after every restart).
        this.options.deps.logger.error('delivery step failed', {
          lane,
          jobId,
          cause: (error as Error).message,
        });
        await this.pause(STORE_RETRY_MAX_MS);
      }
    }
  }

  /** One step for the head of `lane` at the runner's clock, without waiting for anything: what a
   *  single SQS receive is to the AWS worker (tests drive both runtimes step by step). */
  async runOnce(lane: string): Promise<void> {
    const head = this.options.store.jobs.head(lane);
    if (head) await this.step(head);
  }

  /** One decision for the head of a lane, carried out; returns how long the lane should wait. */
  private async step(head: StoredJob): Promise<number> {
    const now = this.now();
    if (head.nextAt > now) return head.nextAt - now;
    const { job } = head;
    const target = this.options.targets.get(destinationKey(job.routeId, job.destinationId));
    const guard = target
      ? this.guards.for({ route: job.routeId, destination: job.destinationId }, target.destination)
      : undefined;
    const before = beforeAttempt({
      progress: head.progress,
      guard,
      now,
      ...(this.options.maxHeldJobAgeMs === undefined ? {} : { maxHeldAgeMs: this.options.maxHeldJobAgeMs }),
    });
    if (before.step.action === 'dead-letter') {
      const progress = before.last ? { ...head.progress, last: before.last } : head.progress;
      await this.deadLetter(head, before.step.reason, progress, target);
      return 0;
    }
    if (before.step.action === 'wait') return this.held(head, before.step);
    if (before.step.action !== 'attempt' || !target || !guard) return 0;

    await this.store(() => this.options.store.jobs.markStarted(head.seq));
    const started: JobProgress = { ...head.progress, started: head.progress.started + 1 };
    const report = await this.attempt(head, target, started.started);
    if (report === undefined) {
      // Aborted by shutdown: not an attempt; the row is tried again on the next start.
      await this.store(() => this.options.store.jobs.saveProgress(head.seq, head.progress, head.nextAt));
      return 0;
    }
    const after = afterAttempt({
      result: report.result,
      probe: before.step.probe,
      progress: started,
      guard,
      policy: target.destination.retry,
      now: this.now(),
      ...(this.options.maxHeldJobAgeMs === undefined ? {} : { maxHeldAgeMs: this.options.maxHeldJobAgeMs }),
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    const { step, progress } = after;
    logAttempt(this.options.deps.logger, report, step.action);
    if (step.action === 'dead-letter') {
      await this.deadLetter(head, step.reason, progress, target);
      return 0;
    }
    this.count(head, after.outcome);
    if (step.action === 'done') {
      await this.store(() =>
        this.options.store.jobs.delivered(head.seq, progress, this.now(), after.outcome === 'skipped'),
      );
      return 0;
    }
    // A retry's backoff is the row's; a hold is the destination's (asked again each time).
    const delayMs = step.action === 'retry' ? step.delayMs : 0;
    await this.store(() => this.options.store.jobs.saveProgress(head.seq, progress, this.now() + delayMs));
    if (step.action === 'wait') return this.held(head, step);
    this.log('retry scheduled', head, { delaySeconds: Math.ceil(delayMs / 1000) });
    return delayMs;
  }

  /** Locally a hold is only a timer (the row stays pending); logged as the worker logs it. */
  private held(head: StoredJob, step: { delayMs: number; cause: string }): number {
    // A token wait is logged by the guard ('rate limit wait'); a paused circuit is worth a line.
    if (step.cause === 'circuit-open') {
      this.log('held back', head, { cause: step.cause, delaySeconds: Math.ceil(step.delayMs / 1000) });
    }
    return step.delayMs;
  }

  private log(message: string, head: StoredJob, fields: Record<string, unknown>): void {
    const { job } = head;
    this.options.deps.logger.info(message, {
      route: job.routeId,
      destination: job.destinationId,
      jobId: job.id,
      ...fields,
    });
  }

  /** One attempt within the concurrency bound; undefined if shutdown aborted it. Never throws. */
  private async attempt(
    head: StoredJob,
    target: DeliveryTarget,
    attempt: number,
  ): Promise<AttemptReport | undefined> {
    const signal = this.aborting.signal;
    if (this.slots && !(await this.slots.acquire(signal))) return undefined;
    try {
      const report = await attemptDelivery(head.job, target, attempt, {
        ...this.options.deps,
        tokens: this.tokens,
        signal,
      });
      return signal.aborted ? undefined : report;
    } finally {
      this.slots?.release();
    }
  }

  private async deadLetter(
    head: StoredJob,
    reason: DeadLetterReason,
    progress: JobProgress,
    target: DeliveryTarget | undefined,
  ): Promise<void> {
    const { job } = head;
    const idempotencyKey = target ? idempotencyKeyFor(job.routeId, target.destination, job.body) : null;
    // The row stays pending until its dead state is stored: a restart finds it again.
    await this.store(() =>
      this.options.store.jobs.dead(head.seq, reason, progress, this.now(), idempotencyKey),
    );
    const letter = deadLetterFor(job, reason, progress, new Date(this.now()), idempotencyKey);
    this.options.deps.logger.warn('dead-lettered', deadLetterLogFields(letter));
    this.count(head, 'dead_lettered');
  }

  private count(head: StoredJob, outcome: DeliveryOutcome): void {
    (this.options.deps.metrics ?? NO_METRICS).count('deliveries', deliveryLabels(head.job, outcome));
  }

  /** Runs a store operation until it succeeds (a full disk may come back), or until shutdown
   *  (then the row keeps its last stored state). */
  private async store<T>(operation: () => T): Promise<T> {
    for (let delay = STORE_RETRY_MS; ; delay = Math.min(delay * 2, STORE_RETRY_MAX_MS)) {
      try {
        return operation();
      } catch (error) {
        this.options.deps.logger.error('store write failed: the job stays pending and is tried again', {
          store: this.options.store.path,
          cause: describeStoreError(error),
          retryInMs: delay,
        });
        if (!(await this.pause(delay))) throw new StoreError('stopped while the store was failing');
      }
    }
  }

  /** Waits unless stopping; false when the lane must stop. */
  private async pause(ms: number): Promise<boolean> {
    if (this.stopping.signal.aborted) return false;
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    return !this.stopping.signal.aborted;
  }
}
