// What stands between a destination's queue and its next attempt: its circuit breaker and its
// token bucket. Both adapters (local lanes, AWS worker) ask gate() before an attempt and report
// the result with record(); state changes go to one listener (log lines, later metrics).

import type { DestinationConfig } from '../config/schema';
import { CircuitBreaker, type CircuitChange, type CircuitSnapshot } from './circuit-breaker';
import { type BucketSnapshot, TokenBucket } from './rate-limit';
import type { AttemptResult } from './retry-policy';

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

/** A guard's state as plain data, for runtimes where several processes share a destination. */
export interface GuardSnapshot {
  circuit?: CircuitSnapshot;
  bucket?: BucketSnapshot;
}

export type GuardConfig = Pick<DestinationConfig, 'rateLimit' | 'circuitBreaker'> &
  Partial<Pick<DestinationConfig, 'timeoutMs'>>;

export class DestinationGuard {
  private readonly breaker: CircuitBreaker | undefined;
  private readonly bucket: TokenBucket | undefined;

  constructor(
    private readonly who: GuardedDestination,
    config: GuardConfig,
    now: () => number,
    private readonly emit: GuardListener,
    snapshot: GuardSnapshot = {},
  ) {
    // A probe may take a 401 re-read and a second request before its answer is known.
    const probeLeaseMs = config.timeoutMs === undefined ? undefined : 2 * config.timeoutMs + 5_000;
    this.breaker = config.circuitBreaker
      ? new CircuitBreaker(
          { ...config.circuitBreaker, ...(probeLeaseMs === undefined ? {} : { probeLeaseMs }) },
          now,
          (change) => this.circuitChanged(change),
          snapshot.circuit,
        )
      : undefined;
    this.bucket = config.rateLimit ? new TokenBucket(config.rateLimit, now, snapshot.bucket) : undefined;
  }

  snapshot(): GuardSnapshot {
    return {
      ...(this.breaker ? { circuit: this.breaker.snapshot() } : {}),
      ...(this.bucket ? { bucket: this.bucket.snapshot() } : {}),
    };
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

  /** How long until the circuit admits a probe (0 when it is closed or one may go now). */
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

  for(who: GuardedDestination, config: GuardConfig): DestinationGuard {
    const key = `${who.route}/${who.destination}`;
    let guard = this.guards.get(key);
    if (!guard) {
      guard = new DestinationGuard(who, config, this.now, this.listener);
      this.guards.set(key, guard);
    }
    return guard;
  }
}
