// ReplayGuard in memory for local mode: key → expiry, in insertion order. Every key gets the same
// TTL, so the oldest entries expire first and pruning stops at the first live one.
import type { ReplayGuard } from '../../ports';

/** Enough for months of notifications; past it the oldest are forgotten (never a false refusal). */
export const DEFAULT_MAX_REPLAY_KEYS = 100_000;

export interface MemoryReplayGuardOptions {
  maxKeys?: number;
  now?: () => number;
}

export class MemoryReplayGuard implements ReplayGuard {
  private readonly expiries = new Map<string, number>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: MemoryReplayGuardOptions = {}) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_REPLAY_KEYS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.expiries.size;
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.now();
    for (const [oldKey, expiresAt] of this.expiries) {
      if (expiresAt > now && this.expiries.size < this.maxKeys) break;
      this.expiries.delete(oldKey);
    }
    const expiresAt = this.expiries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.expiries.delete(key); // re-inserted at the end, to keep expiry order
    this.expiries.set(key, now + ttlSeconds * 1000);
    return true;
  }

  async release(key: string): Promise<void> {
    this.expiries.delete(key);
  }
}
