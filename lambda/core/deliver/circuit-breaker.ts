// A per-destination circuit breaker: closed → open after N consecutive failures → half-open
// (one probe) once the cool-down has passed → closed on success, or open again on failure with
// a longer cool-down (doubling up to MAX_COOL_DOWN_MS). Pure: the clock is passed in.

export interface CircuitBreakerConfig {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** How long the circuit stays open before the first probe. */
  coolDownMs: number;
  /** How long a probe may take before another job may probe instead (its process may have died):
   *  while one probe is out, the others wait. Default: a minute. */
  probeLeaseMs?: number;
}

/** Everything the breaker knows, as plain data: stored where processes share a destination. */
export interface CircuitSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  openUntil: number;
  coolDownMs: number;
  probeUntil: number;
}

const DEFAULT_PROBE_LEASE_MS = 60_000;

/** Repeated failed probes back off up to this (and never below the configured cool-down). On
 *  AWS every held receive counts against the queue's redrive limit, so this bounds them. */
export const MAX_COOL_DOWN_MS = 30 * 60_000;

export type CircuitState = 'closed' | 'open' | 'half-open';

export type CircuitChange =
  | { state: 'open'; consecutiveFailures: number; coolDownMs: number }
  | { state: 'half-open' }
  | { state: 'closed'; consecutiveFailures: number };

/** Whether a delivery may be attempted now; when not, how long until the next probe. */
export type Admission = { allowed: true; probe: boolean } | { allowed: false; waitMs: number };

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openUntil = 0;
  private coolDownMs: number;
  /** While half-open: until when the probe that is out has the destination to itself. */
  private probeUntil = 0;

  constructor(
    private readonly config: CircuitBreakerConfig,
    private readonly now: () => number,
    private readonly onChange: (change: CircuitChange) => void = () => {},
    snapshot?: CircuitSnapshot,
  ) {
    this.coolDownMs = config.coolDownMs;
    if (snapshot) {
      this.current = snapshot.state;
      this.consecutiveFailures = snapshot.consecutiveFailures;
      this.openUntil = snapshot.openUntil;
      this.coolDownMs = snapshot.coolDownMs;
      this.probeUntil = snapshot.probeUntil;
    }
  }

  snapshot(): CircuitSnapshot {
    return {
      state: this.current,
      consecutiveFailures: this.consecutiveFailures,
      openUntil: this.openUntil,
      coolDownMs: this.coolDownMs,
      probeUntil: this.probeUntil,
    };
  }

  get state(): CircuitState {
    return this.current;
  }

  admit(): Admission {
    if (this.current === 'closed') return { allowed: true, probe: false };
    const now = this.now();
    if (this.current === 'open') {
      const waitMs = this.openUntil - now;
      if (waitMs > 0) return { allowed: false, waitMs };
      this.current = 'half-open';
      this.onChange({ state: 'half-open' });
    } else if (this.probeUntil > now) {
      // One probe at a time: the others wait for its answer (or for its lease to run out).
      return { allowed: false, waitMs: this.probeUntil - now };
    }
    this.probeUntil = now + (this.config.probeLeaseMs ?? DEFAULT_PROBE_LEASE_MS);
    return { allowed: true, probe: true };
  }

  /** Milliseconds until the circuit lets a probe through (0 when one may go now, or closed). */
  waitMs(): number {
    const until =
      this.current === 'open' ? this.openUntil : this.current === 'half-open' ? this.probeUntil : 0;
    return Math.max(0, until - this.now());
  }

  /** The destination answered (2xx, or any answer that says it is up). */
  succeeded(): void {
    if (this.current !== 'closed') {
      this.onChange({ state: 'closed', consecutiveFailures: this.consecutiveFailures });
    }
    this.current = 'closed';
    this.consecutiveFailures = 0;
    this.coolDownMs = this.config.coolDownMs;
    this.probeUntil = 0;
  }

  /** The destination failed (network error, timeout, 5xx). Returns true when the circuit is open now. */
  failed(): boolean {
    this.consecutiveFailures += 1;
    if (this.current === 'half-open') {
      this.coolDownMs = Math.min(Math.max(MAX_COOL_DOWN_MS, this.config.coolDownMs), this.coolDownMs * 2);
      this.open();
    } else if (this.current === 'closed' && this.consecutiveFailures >= this.config.failures) {
      this.open();
    }
    return this.current === 'open';
  }

  private open(): void {
    this.current = 'open';
    this.probeUntil = 0;
    this.openUntil = this.now() + this.coolDownMs;
    this.onChange({
      state: 'open',
      consecutiveFailures: this.consecutiveFailures,
      coolDownMs: this.coolDownMs,
    });
  }
}
