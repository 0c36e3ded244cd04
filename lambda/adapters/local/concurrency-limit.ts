// Bounds how many deliveries run at once across all local lanes (config `maxConcurrency`), like
// the worker's event-source maximum concurrency on AWS. Waiters are served first come, first served.

export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  /** Resolves true with a slot taken, or false if `signal` aborted first (no slot taken). */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.active < this.max) {
      this.active += 1;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', abort);
        this.active += 1;
        resolve(true);
      };
      const abort = () => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        resolve(false);
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }
}
