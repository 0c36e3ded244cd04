// What the burst benchmark reads from the destination's arrivals: the checks it prints must be
// able to fail.
import { describe, expect, it } from 'vitest';
import { summarizeArrivals } from '../../bench/burst-destination';

// Notifications 100..105 in 2 workspaces: 100, 102, 104 in one, 101, 103, 105 in the other.
const sentAt = [0, 0, 10, 10, 20, 20];
const at = (n: number, time: number) => ({ n, at: time });

describe('summarizeArrivals', () => {
  it('reads latency and the last first arrival', () => {
    const summary = summarizeArrivals([at(100, 5), at(101, 7), at(102, 40)], sentAt, 100, 2);
    expect(summary.latenciesMs).toEqual([5, 7, 30]);
    expect(summary.lastAt).toBe(40);
  });

  it('counts a notification that overtook an earlier one of its workspace', () => {
    // 104 before 102 in workspace 0; workspace 1 in order, interleaved with it.
    const arrivals = [at(100, 1), at(101, 2), at(104, 3), at(103, 4), at(102, 5), at(105, 6)];
    expect(summarizeArrivals(arrivals, sentAt, 100, 2).outOfOrder).toBe(1);
  });

  it('judges order and latency by first arrivals, and counts the repeats', () => {
    const arrivals = [at(100, 11), at(102, 12), at(100, 13), at(104, 24), at(102, 25)];
    const summary = summarizeArrivals(arrivals, sentAt, 100, 2);
    expect(summary).toMatchObject({ outOfOrder: 0, repeats: 2 });
    expect(summary.latenciesMs).toEqual([11, 2, 4]);
  });

  it('finds the most requests within one window, repeats included', () => {
    // 10 per second, evenly spaced: never more than 10 in a window; three extra at 500 ms make 13.
    const even = Array.from({ length: 30 }, (_, i) => at(100 + (i % 6), i * 100));
    expect(summarizeArrivals(even, sentAt, 100, 2).maxPerSecond).toBe(10);
    const crowded = [...even, at(100, 500), at(101, 501), at(102, 502)];
    expect(summarizeArrivals(crowded, sentAt, 100, 2).maxPerSecond).toBe(13);
  });
});
