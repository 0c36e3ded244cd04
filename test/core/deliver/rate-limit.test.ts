import { describe, expect, it } from 'vitest';
import { MIN_RATE_FACTOR, TokenBucket } from '../../../lambda/core/deliver/rate-limit';

function bucket(perSecond: number, burst: number) {
  const clock = { now: 1_000_000 };
  return { clock, bucket: new TokenBucket({ perSecond, burst }, () => clock.now) };
}

describe('TokenBucket', () => {
  it('lets a burst through, then one request per 1/perSecond', () => {
    const { clock, bucket: b } = bucket(2, 3);
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
    expect(b.waitMs()).toBe(500);
    clock.now += 499;
    expect(b.tryTake()).toBe(false);
    clock.now += 1;
    expect(b.tryTake()).toBe(true);
  });

  it('does not save up more than the burst during a quiet period', () => {
    const { clock, bucket: b } = bucket(10, 2);
    b.tryTake();
    b.tryTake();
    clock.now += 60_000;
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
  });

  it('handles fractional rates (one request every 4 s)', () => {
    const { clock, bucket: b } = bucket(0.25, 1);
    expect(b.tryTake()).toBe(true);
    expect(b.waitMs()).toBe(4_000);
    clock.now += 4_000;
    expect(b.waitMs()).toBe(0);
  });

  it('halves the rate on a 429, drops the saved burst, and never goes below the floor', () => {
    const { bucket: b } = bucket(8, 4);
    expect(b.throttled()).toBe(4);
    expect(b.waitMs()).toBe(250);
    for (let i = 0; i < 10; i++) b.throttled();
    expect(b.perSecond).toBe(8 * MIN_RATE_FACTOR);
  });

  it('recovers step by step on deliveries and says when the configured rate is back', () => {
    const { bucket: b } = bucket(10, 1);
    b.throttled(); // 5/s
    const restored: boolean[] = [];
    for (let i = 0; i < 6; i++) restored.push(b.delivered());
    expect(restored).toEqual([false, false, false, false, true, false]);
    expect(b.perSecond).toBe(10);
  });
});
