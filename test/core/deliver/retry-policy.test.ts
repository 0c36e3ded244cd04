import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  MAX_RETRY_AFTER_MS,
  nextStep,
  parseRetryAfter,
} from '../../../lambda/core/deliver/retry-policy';

const policy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 };

describe('backoffDelayMs', () => {
  it.each([
    [1, 0, 500],
    [1, 1, 1_000],
    [2, 0, 1_000],
    [3, 1, 4_000],
    [6, 1, 32_000],
    [10, 1, 60_000],
    [10, 0, 30_000],
  ])('after %i attempts with random %d waits %i ms', (attempts, random, expected) => {
    expect(backoffDelayMs(attempts, policy, () => random)).toBe(expected);
  });
});

describe('nextStep', () => {
  it('is done after a delivery', () => {
    expect(nextStep({ outcome: 'delivered', status: 200 }, 1, policy)).toEqual({ action: 'done' });
  });

  it('dead-letters a permanent failure at once', () => {
    expect(nextStep({ outcome: 'permanent', status: 400, error: 'HTTP 400' }, 1, policy)).toEqual({
      action: 'dead-letter',
      reason: 'permanent',
    });
  });

  it('retries until maxAttempts, then dead-letters as exhausted', () => {
    const failure = { outcome: 'retry', status: 503, error: 'HTTP 503' } as const;
    expect(nextStep(failure, 5, policy, () => 0)).toEqual({ action: 'retry', delayMs: 8_000 });
    expect(nextStep(failure, 6, policy)).toEqual({ action: 'dead-letter', reason: 'exhausted' });
  });

  it('waits at least as long as Retry-After asks, but within a bound', () => {
    expect(
      nextStep({ outcome: 'retry', status: 429, error: '', retryAfterMs: 30_000 }, 1, policy, () => 0),
    ).toEqual({ action: 'retry', delayMs: 30_000 });
    expect(
      nextStep({ outcome: 'retry', status: 429, error: '', retryAfterMs: 10 }, 1, policy, () => 0),
    ).toEqual({ action: 'retry', delayMs: 500 });
    expect(nextStep({ outcome: 'retry', status: 429, error: '', retryAfterMs: 10 ** 9 }, 1, policy)).toEqual({
      action: 'retry',
      delayMs: MAX_RETRY_AFTER_MS,
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['Tue, 24 Nov 2026 12:00:30 GMT', 30_000],
    ['Tue, 24 Nov 2026 11:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
