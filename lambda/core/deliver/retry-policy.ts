// When to try a failed delivery again, and how long to wait: exponential backoff with jitter,
// honouring a destination's Retry-After within a bound.
import type { RetryPolicy } from '../config/schema';
import type { DeadLetterReason } from '../contract';

/** A destination may ask for a pause, but not stall its queue for longer than this. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

export type AttemptResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'retry'; status?: number; error: string; retryAfterMs?: number }
  | { outcome: 'permanent'; status?: number; error: string; reason?: 'auth_failed' }
  // Turned away by a filter decided after the enrichment (route-filter.ts): nothing was sent.
  | { outcome: 'skipped'; status?: undefined; reason: string };

export type NextStep =
  | { action: 'done' }
  | { action: 'retry'; delayMs: number }
  | { action: 'dead-letter'; reason: DeadLetterReason };

/** Backoff before attempt `attemptsMade + 1`: half fixed, half random ("equal jitter"), so
 *  retries spread out but never collapse to zero. */
export function backoffDelayMs(
  attemptsMade: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

export function nextStep(
  result: AttemptResult,
  attemptsMade: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextStep {
  if (result.outcome === 'delivered' || result.outcome === 'skipped') return { action: 'done' };
  if (result.outcome === 'permanent') return { action: 'dead-letter', reason: result.reason ?? 'permanent' };
  if (attemptsMade >= policy.maxAttempts) return { action: 'dead-letter', reason: 'exhausted' };
  const backoff = backoffDelayMs(attemptsMade, policy, random);
  const delayMs =
    result.retryAfterMs === undefined
      ? backoff
      : Math.min(Math.max(result.retryAfterMs, backoff), MAX_RETRY_AFTER_MS);
  return { action: 'retry', delayMs };
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Statuses worth retrying: the destination may succeed later. Every other non-2xx is final. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500;
