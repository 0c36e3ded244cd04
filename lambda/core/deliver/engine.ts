// The delivery state machine: given a job's progress and its destination's guard (circuit
// breaker, token bucket), what happens next. Both runtimes only carry the step out (local: SQLite
// rows and timers; AWS: message visibility and the dead-letter queue). No I/O; the clock is an
// argument, so every path can be tested without waiting.
import type { RetryPolicy } from '../config/schema';
import type { DeadLetterReason } from '../contract';
import type { DestinationGuard } from './destination-guard';
import { type AttemptResult, nextStep } from './retry-policy';

/** A job held back (open circuit, rate limit) longer than this is dead-lettered as `expired`:
 *  below SQS's 14-day retention minus one longest hold, so on AWS it never vanishes unseen. */
export const MAX_HELD_JOB_AGE_MS = 12 * 24 * 60 * 60_000;
/** Attempts started but never answered (the process died: crash, timeout, out of memory) before
 *  a job is dead-lettered as `worker_failed` instead of taking the runtime down again. */
export const MAX_UNFINISHED_ATTEMPTS = 3;

/** Receives a job may spend held back (open circuit, rate limit) before it is dead-lettered as
 *  `expired`. Holds grow (HOLD_BASE_MS doubling up to MAX_HOLD_MS), so this many reach past
 *  MAX_HELD_JOB_AGE_MS; a runtime that counts receives (SQS) sizes its redrive limit with it. */
export const MAX_HOLDS = 40;
export const HOLD_BASE_MS = 1_000;
/** SQS's longest visibility timeout. */
export const MAX_HOLD_MS = 12 * 60 * 60_000;

/** Receives SQS may count for one job before its own redrive moves it to the dead-letter queue:
 *  every attempt, the attempts a crash may cost, every hold, and a margin. The worker dead-letters
 *  with a reason before this; the redrive only catches a job the worker cannot even look at. */
export function receiveBudget(maxAttempts: number): number {
  return maxAttempts + MAX_UNFINISHED_ATTEMPTS + MAX_HOLDS + 2;
}

export interface JobProgress {
  /** Attempts charged to the retry budget (a failed circuit probe is not). */
  attempts: number;
  /** Attempts begun, probes included; recorded before the request goes out. */
  started: number;
  /** Attempts that came back with a result. `started - finished` were lost with their process. */
  finished: number;
  /** When the job entered the queue (accepted, or replayed from a dead letter), in ms. */
  queuedAt: number;
  /** Times it was held back (open circuit, rate limit) where a hold costs something (an SQS
   *  receive); local mode does not count them. */
  holds?: number;
  /** The last failure, for the dead letter. */
  last?: { status?: number | undefined; error: string } | undefined;
}

export type Step =
  | { action: 'attempt'; probe: boolean }
  /** Not charged to the job: the destination is paused (open circuit) or out of tokens. */
  | { action: 'wait'; delayMs: number; cause: 'circuit-open' | 'rate-limit' }
  /** Charged: the attempt failed and the retry budget allows another after `delayMs`. */
  | { action: 'retry'; delayMs: number }
  | { action: 'dead-letter'; reason: DeadLetterReason }
  | { action: 'done' };

/** What an attempt's step counts as, for the `deliveries` metric. */
export type DeliveryOutcome = 'delivered' | 'skipped' | 'retried' | 'dead_lettered';

export const newProgress = (queuedAt: number): JobProgress => ({
  attempts: 0,
  started: 0,
  finished: 0,
  queuedAt,
});

/** Before an attempt: go ahead, wait (uncharged), or give up on a job that cannot be delivered. */
export function beforeAttempt(input: {
  progress: JobProgress;
  /** Undefined when the job's destination is not in the running config (removed by a redeploy). */
  guard: DestinationGuard | undefined;
  now: number;
  maxHeldAgeMs?: number;
  /** Where holds are counted (SQS receives): the most a job may spend. */
  maxHolds?: number;
}): { step: Step; last?: { error: string } } {
  const { progress, guard, now } = input;
  if (!guard) {
    return {
      step: { action: 'dead-letter', reason: 'unknown-destination' },
      last: { error: 'destination is not in the current config' },
    };
  }
  const lost = progress.started - progress.finished;
  if (lost >= MAX_UNFINISHED_ATTEMPTS) {
    return {
      step: { action: 'dead-letter', reason: 'worker_failed' },
      last: {
        error: `${lost} attempts never finished: the process delivering this job died (crash, timeout or out of memory) each time`,
      },
    };
  }
  const gate = guard.gate();
  if (gate.action === 'attempt') return { step: gate };
  if (now - progress.queuedAt > (input.maxHeldAgeMs ?? MAX_HELD_JOB_AGE_MS)) {
    return {
      step: { action: 'dead-letter', reason: 'expired' },
      last: { error: `held back longer than allowed (${gate.cause})` },
    };
  }
  if (input.maxHolds !== undefined && (progress.holds ?? 0) >= input.maxHolds) {
    return {
      step: { action: 'dead-letter', reason: 'expired' },
      last: { error: `held back ${progress.holds} times (${gate.cause})` },
    };
  }
  return { step: { action: 'wait', delayMs: gate.waitMs, cause: gate.cause } };
}

/**
 * How long a runtime that pays for each hold (an SQS receive) keeps a job back: at least what the
 * guard asked for, and growing with each hold, so a long outage or a deep backlog behind a rate
 * limit costs a job about log2(wait) receives, not one per cool-down.
 */
export function holdDelayMs(delayMs: number, holds: number): number {
  return Math.min(MAX_HOLD_MS, Math.max(delayMs, HOLD_BASE_MS * 2 ** Math.min(holds, 30)));
}

/** After an attempt's answer: done, retry later, wait for the circuit, or dead-letter. */
export function afterAttempt(input: {
  result: AttemptResult;
  probe: boolean;
  progress: JobProgress;
  guard: DestinationGuard;
  policy: RetryPolicy;
  random?: () => number;
  /** For the age check of a job the failure leaves held (as beforeAttempt's). */
  now?: number;
  maxHeldAgeMs?: number;
}): { step: Step; progress: JobProgress; outcome: DeliveryOutcome } {
  const { result, guard, policy } = input;
  const { held } = guard.record(result);
  // A failed probe is the breaker's decision to try, not the job's: it is not charged.
  const charged = !(input.probe && held);
  const progress: JobProgress = {
    ...input.progress,
    attempts: input.progress.attempts + (charged ? 1 : 0),
    finished: input.progress.finished + 1,
    ...(result.outcome === 'delivered' || result.outcome === 'skipped'
      ? {}
      : { last: { status: result.status, error: result.error } }),
  };
  const next = nextStep(result, progress.attempts, policy, input.random);
  if (next.action === 'done') {
    return { step: next, progress, outcome: result.outcome === 'skipped' ? 'skipped' : 'delivered' };
  }
  // While the circuit is open the job waits for the probe: never `exhausted` during an outage,
  // but not past the age limit either.
  if (
    held &&
    input.now !== undefined &&
    input.now - progress.queuedAt > (input.maxHeldAgeMs ?? MAX_HELD_JOB_AGE_MS)
  ) {
    return { step: { action: 'dead-letter', reason: 'expired' }, progress, outcome: 'dead_lettered' };
  }
  if (held) {
    return {
      step: { action: 'wait', delayMs: guard.circuitWaitMs(), cause: 'circuit-open' },
      progress,
      outcome: 'retried',
    };
  }
  if (next.action === 'dead-letter') return { step: next, progress, outcome: 'dead_lettered' };
  return { step: next, progress, outcome: 'retried' };
}
