// A per-destination token bucket with an adaptive rate: a 429 from the destination halves the
// rate (down to a floor), each delivery raises it back a step towards the configured rate
// (additive increase, multiplicative decrease). Pure: the clock is passed in.

export interface RateLimitConfig {
  /** Requests per second the destination accepts (may be fractional: 0.5 = one every 2 s). */
  perSecond: number;
  /** Requests that may go out back to back after a quiet period. */
  burst: number;
}

/** A 429 never slows a destination below this share of its configured rate. */
export const MIN_RATE_FACTOR = 1 / 16;
/** Each delivery gives back this share of the configured rate after a slow-down. */
const RECOVERY_STEP_FACTOR = 1 / 10;

/** The bucket as plain data: stored where processes share a destination. */
export interface BucketSnapshot {
  tokens: number;
  updatedAt: number;
  rate: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private rate: number;

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number,
    snapshot?: BucketSnapshot,
  ) {
    this.tokens = snapshot?.tokens ?? config.burst;
    this.updatedAt = snapshot?.updatedAt ?? now();
    this.rate = snapshot ? Math.min(snapshot.rate, config.perSecond) : config.perSecond;
  }

  snapshot(): BucketSnapshot {
    return { tokens: this.tokens, updatedAt: this.updatedAt, rate: this.rate };
  }

  /** The rate in force now (requests per second): below the configured one after a 429. */
  get perSecond(): number {
    return this.rate;
  }

  /** Milliseconds until a token is available (0: one is available now). Takes nothing. */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  /** Takes a token if one is available; false otherwise (call waitMs() to know how long). */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The destination answered 429: halve the rate and drop any saved-up burst. Returns the new rate. */
  throttled(): number {
    this.refill();
    this.rate = Math.max(this.config.perSecond * MIN_RATE_FACTOR, this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
    return this.rate;
  }

  /** A delivery went through: step back towards the configured rate. True when fully restored. */
  delivered(): boolean {
    if (this.rate >= this.config.perSecond) return false;
    this.refill();
    this.rate = Math.min(this.config.perSecond, this.rate + this.config.perSecond * RECOVERY_STEP_FACTOR);
    return this.rate >= this.config.perSecond;
  }

  private refill(): void {
    const now = this.now();
    const elapsedSeconds = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.config.burst, this.tokens + elapsedSeconds * this.rate);
    this.updatedAt = now;
  }
}
