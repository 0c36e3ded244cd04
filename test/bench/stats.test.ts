import { describe, expect, it } from 'vitest';
import { median, medianRatio, percentile, summarize } from '../../bench/stats';

describe('median', () => {
  it.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
    [[], Number.NaN],
  ])('of %j is %d', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('leaves its input in order', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted

  it('uses the nearest rank, never an interpolated value', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
  });

  it('answers the smallest value for p0 and NaN for no values', () => {
    expect(percentile(hundred, 0)).toBe(1);
    expect(percentile([], 99)).toBeNaN();
  });

  it('reports a single outlier as the p99 of 100 samples only if it is in the top 1%', () => {
    const values = [...Array.from({ length: 99 }, () => 1), 50];
    expect(percentile(values, 99)).toBe(1);
    expect(percentile(values, 99.5)).toBe(50);
  });

  it('rejects p outside 0..100', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('gives count, p50, p99 and max', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(summarize(values)).toEqual({ count: 1000, p50: 500, p99: 990, max: 1000 });
  });
});

describe('medianRatio', () => {
  it('takes the median of the per-round ratios', () => {
    expect(medianRatio([8, 9, 20], [10, 10, 10])).toBeCloseTo(0.9);
  });

  it('needs one baseline per subject value', () => {
    expect(() => medianRatio([1, 2], [1])).toThrow(RangeError);
  });
});
