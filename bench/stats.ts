// Small statistics for the benchmarks: medians of rounds, latency percentiles, ratios.

/** Sorted copy, ascending; the input is left alone so callers can keep arrival order. */
const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** The middle value (mean of the two middle values for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Nearest-rank percentile (p in 0..100): the smallest value with at least p% of the values at or
 * below it. No interpolation, so a reported p99 is always a latency that really happened.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (p < 0 || p > 100) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const s = sorted(values);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[rank - 1] as number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/**
 * The median of per-round ratios subject/baseline. Rounds alternate the two, so a ratio taken
 * within a round cancels slow drift of the machine better than a ratio of two medians.
 */
export function medianRatio(subject: readonly number[], baseline: readonly number[]): number {
  if (subject.length !== baseline.length) throw new RangeError('one baseline value per subject value');
  return median(subject.map((value, i) => value / (baseline[i] as number)));
}
