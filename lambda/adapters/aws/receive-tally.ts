// On SQS the attempt number is ApproximateReceiveCount, but not every receive is an attempt: a
// job held back (open circuit, no token) or a failed circuit probe must not spend its retries.
// This tally, kept in the worker container across invocations, says how many to discount.

/** SQS's largest maxReceiveCount: the redrive limit of a queue whose jobs may be held back. */
export const HOLDING_MAX_RECEIVE_COUNT = 1_000;
/** The worker dead-letters a held job as `expired` this many receives before SQS would move it
 *  to the DLQ without a reason. */
export const HOLD_RECEIVE_MARGIN = 10;
/** Enough for every job in flight; the oldest entries go first beyond it. */
const MAX_TRACKED_MESSAGES = 10_000;

interface Tally {
  /** Receives where the job was held back without an attempt. */
  paused: number;
  /** Attempts that were failed circuit probes (the breaker's, not the job's). */
  failedProbes: number;
}

export class ReceiveTally {
  private readonly tallies = new Map<string, Tally>();

  of(messageId: string): Tally {
    return this.tallies.get(messageId) ?? { paused: 0, failedProbes: 0 };
  }

  paused(messageId: string): void {
    const tally = this.of(messageId);
    this.set(messageId, { ...tally, paused: tally.paused + 1 });
  }

  failedProbe(messageId: string): void {
    const tally = this.of(messageId);
    this.set(messageId, { ...tally, failedProbes: tally.failedProbes + 1 });
  }

  forget(messageId: string): void {
    this.tallies.delete(messageId);
  }

  private set(messageId: string, tally: Tally): void {
    this.tallies.delete(messageId);
    this.tallies.set(messageId, tally);
    for (const oldest of this.tallies.keys()) {
      if (this.tallies.size <= MAX_TRACKED_MESSAGES) break;
      this.tallies.delete(oldest);
    }
  }
}
