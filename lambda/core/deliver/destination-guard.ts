// What stands between a destination's queue and its next attempt: its circuit breaker and its
// token bucket. Both adapters (local lanes, AWS worker) ask gate() before an attempt and report
// the result with record(); state changes go to one listener (log lines, later metrics).

import type { DestinationConfig } from '../config/schema';
import type { Logger, Metrics } from '../ports';
import { CircuitBreaker, type CircuitChange } from './circuit-breaker';
import { TokenBucket } from './rate-limit';
import type { AttemptResult } from './retry-policy';

/** A job held back by an open circuit is dead-lettered as `expired` past this age: below SQS's
 *  14-day retention minus one longest hold, so on AWS it is never deleted without a trace. */
export const MAX_HELD_JOB_AGE_MS = 12 * 24 * 60 * 60_000;

export interface GuardedDestination {
  route: string;
  destination: string;
}

export type GuardEvent = GuardedDestination &
  (
    | { type: 'circuit-opened'; consecutiveFailures: number; coolDownMs: number }
    | { type: 'circuit-probe' }
    | { type: 'circuit-closed'; consecutiveFailures: number }
    | { type: 'rate-limit-wait'; waitMs: number; perSecond: number }
    | { type: 'rate-lowered'; perSecond: number }
    | { type: 'rate-restored'; perSecond: number }
  );

/** Hook for whoever wants to see breaker and throttling changes (logs today, metrics later). */
export type GuardListener = (event: GuardEvent) => void;

export type Gate =
  | { action: 'attempt'; probe: boolean }
  | { action: 'wait'; waitMs: number; cause: 'circuit-open' | 'rate-limit' };

/** A failure that says the destination is down, as opposed to answering (even with 4xx or 429). */
export function isOutage(result: AttemptResult): boolean {
  return result.outcome === 'retry' && result.status !== 429;
}

export function isHeldTooLong(enqueuedAtMs: number, nowMs: number, maxAgeMs = MAX_HELD_JOB_AGE_MS): boolean {
  return nowMs - enqueuedAtMs > maxAgeMs;
}

export class DestinationGuard {
  private readonly breaker: CircuitBreaker | undefined;
  private readonly bucket: TokenBucket | undefined;

  constructor(
    private readonly who: GuardedDestination,
    config: Pick<DestinationConfig, 'rateLimit' | 'circuitBreaker'>,
    now: () => number,
    private readonly emit: GuardListener,
  ) {
    this.breaker = config.circuitBreaker
      ? new CircuitBreaker(config.circuitBreaker, now, (change) => this.circuitChanged(change))
      : undefined;
    this.bucket = config.rateLimit ? new TokenBucket(config.rateLimit, now) : undefined;
  }

  /** Before each attempt: go ahead (taking a token), or wait this long and ask again. */
  gate(): Gate {
    const admission = this.breaker?.admit() ?? { allowed: true, probe: false };
    if (!admission.allowed) return { action: 'wait', waitMs: admission.waitMs, cause: 'circuit-open' };
    if (this.bucket && !this.bucket.tryTake()) {
      const waitMs = this.bucket.waitMs();
      this.emit({ ...this.who, type: 'rate-limit-wait', waitMs, perSecond: this.bucket.perSecond });
      return { action: 'wait', waitMs, cause: 'rate-limit' };
    }
    return { action: 'attempt', probe: admission.probe };
  }

  /**
   * After each attempt. Returns `held: true` when the circuit is open after this failure: the
   * job then waits for the probe instead of spending its retries (and is never dead-lettered as
   * `exhausted` while the destination is known to be down).
   */
  record(result: AttemptResult): { held: boolean } {
    if (this.bucket && result.status === 429) {
      this.emit({ ...this.who, type: 'rate-lowered', perSecond: this.bucket.throttled() });
    } else if (this.bucket && result.outcome === 'delivered' && this.bucket.delivered()) {
      this.emit({ ...this.who, type: 'rate-restored', perSecond: this.bucket.perSecond });
    }
    if (!this.breaker) return { held: false };
    if (isOutage(result)) return { held: this.breaker.failed() };
    // A permanent failure with no status (a template error) says nothing about the destination.
    if (result.status !== undefined) this.breaker.succeeded();
    return { held: false };
  }

  /** How long until the open circuit admits its probe (0 when it is not open). */
  circuitWaitMs(): number {
    return this.breaker?.waitMs() ?? 0;
  }

  private circuitChanged(change: CircuitChange): void {
    if (change.state === 'open') {
      this.emit({
        ...this.who,
        type: 'circuit-opened',
        consecutiveFailures: change.consecutiveFailures,
        coolDownMs: change.coolDownMs,
      });
    } else if (change.state === 'half-open') {
      this.emit({ ...this.who, type: 'circuit-probe' });
    } else {
      this.emit({ ...this.who, type: 'circuit-closed', consecutiveFailures: change.consecutiveFailures });
    }
  }
}

/** One guard per `route/destination`, created on first use and kept for the process's life. */
export class DestinationGuards {
  private readonly guards = new Map<string, DestinationGuard>();

  constructor(
    private readonly now: () => number,
    private readonly listener: GuardListener,
  ) {}

  for(
    who: GuardedDestination,
    config: Pick<DestinationConfig, 'rateLimit' | 'circuitBreaker'>,
  ): DestinationGuard {
    const key = `${who.route}/${who.destination}`;
    let guard = this.guards.get(key);
    if (!guard) {
      guard = new DestinationGuard(who, config, this.now, this.listener);
      this.guards.set(key, guard);
    }
    return guard;
  }
}

const CIRCUIT_STATES = {
  'circuit-opened': 'opened',
  'circuit-probe': 'probe',
  'circuit-closed': 'closed',
} as const;

/** Circuit changes as the `circuit_changes` metric (the stack alarms on `opened`). */
export function circuitMetrics(metrics: Metrics): GuardListener {
  return (event) => {
    if (!(event.type in CIRCUIT_STATES)) return;
    const state = CIRCUIT_STATES[event.type as keyof typeof CIRCUIT_STATES];
    metrics.count('circuit_changes', { route: event.route, destination: event.destination, state });
  };
}

/** The log lines for guard events; each `extra` listener (metrics, tests) sees every event too. */
export function guardLogger(logger: Logger, ...extra: (GuardListener | undefined)[]): GuardListener {
  return (event) => {
    const { type, ...fields } = event;
    switch (type) {
      case 'circuit-opened':
        logger.warn('circuit opened', {
          ...fields,
          reason: 'consecutive failures: jobs are held, not retried',
        });
        break;
      case 'circuit-probe':
        logger.info('circuit probe', fields);
        break;
      case 'circuit-closed':
        logger.info('circuit closed', fields);
        break;
      case 'rate-limit-wait':
        logger.info('rate limit wait', fields);
        break;
      case 'rate-lowered':
        logger.warn('rate limit lowered after 429', fields);
        break;
      case 'rate-restored':
        logger.info('rate limit restored', fields);
        break;
    }
    for (const listener of extra) listener?.(event);
  };
}
