// The delivery state machine, step by step, on a fake clock: no timers, no I/O.
import { describe, expect, it } from 'vitest';
import { DestinationGuard } from '../../../lambda/core/deliver/destination-guard';
import {
  afterAttempt,
  beforeAttempt,
  type JobProgress,
  MAX_HELD_JOB_AGE_MS,
  newProgress,
} from '../../../lambda/core/deliver/engine';

const policy = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000 };
const down = { outcome: 'retry', status: 503, error: 'HTTP 503' } as const;
const ok = { outcome: 'delivered', status: 200 } as const;

function rig(circuitBreaker: { failures: number; coolDownMs: number } | false = false) {
  const clock = { now: 1_000_000 };
  const guard = new DestinationGuard(
    { route: 'r', destination: 'd' },
    { circuitBreaker },
    () => clock.now,
    () => {},
  );
  return { clock, guard };
}

/** Runs one attempt with `result` from `progress`, as a runtime would. */
function attempt(
  guard: DestinationGuard,
  progress: JobProgress,
  result: Parameters<typeof afterAttempt>[0]['result'],
  probe = false,
) {
  return afterAttempt({
    result,
    probe,
    progress: { ...progress, started: progress.started + 1 },
    guard,
    policy,
    random: () => 1,
  });
}

describe('beforeAttempt', () => {
  it('dead-letters a job whose destination is not in the running config', () => {
    expect(beforeAttempt({ progress: newProgress(0), guard: undefined, now: 0 })).toEqual({
      step: { action: 'dead-letter', reason: 'unknown-destination' },
      last: { error: 'destination is not in the current config' },
    });
  });

  it('dead-letters as worker_failed a job whose attempts died with their process three times', () => {
    const { guard, clock } = rig();
    const progress = { ...newProgress(clock.now), started: 3, finished: 0 };
    const { step, last } = beforeAttempt({ progress, guard, now: clock.now });
    expect(step).toEqual({ action: 'dead-letter', reason: 'worker_failed' });
    expect(last?.error).toContain('3 attempts never finished');
    expect(beforeAttempt({ progress: { ...progress, finished: 1 }, guard, now: clock.now }).step.action).toBe(
      'attempt',
    );
  });

  it('holds a job while the circuit is open, and expires it once held past the limit', () => {
    const { guard, clock } = rig({ failures: 1, coolDownMs: 60_000 });
    guard.record(down);
    const progress = newProgress(clock.now);
    expect(beforeAttempt({ progress, guard, now: clock.now }).step).toEqual({
      action: 'wait',
      delayMs: 60_000,
      cause: 'circuit-open',
    });
    const later = clock.now + MAX_HELD_JOB_AGE_MS + 1;
    expect(beforeAttempt({ progress, guard, now: later }).step).toEqual({
      action: 'dead-letter',
      reason: 'expired',
    });
  });

  it('measures age from when the job was queued, so a replayed old letter is not expired at once', () => {
    const { guard, clock } = rig({ failures: 1, coolDownMs: 60_000 });
    guard.record(down);
    const replayedNow = newProgress(clock.now);
    expect(beforeAttempt({ progress: replayedNow, guard, now: clock.now }).step.action).toBe('wait');
  });
});

describe('afterAttempt', () => {
  it('is done on a 2xx, counting one attempt', () => {
    const { guard } = rig();
    const { step, progress, outcome } = attempt(guard, newProgress(0), ok);
    expect(step).toEqual({ action: 'done' });
    expect(outcome).toBe('delivered');
    expect(progress).toMatchObject({ attempts: 1, started: 1, finished: 1 });
  });

  it('retries with backoff, honours Retry-After, and dead-letters exhausted after the budget', () => {
    const { guard } = rig();
    let progress = newProgress(0);
    const first = attempt(guard, progress, down);
    expect(first.step).toEqual({ action: 'retry', delayMs: 1_000 });
    progress = first.progress;
    const second = attempt(guard, progress, { ...down, retryAfterMs: 30_000 });
    expect(second.step).toEqual({ action: 'retry', delayMs: 30_000 });
    const third = attempt(guard, second.progress, down);
    expect(third).toMatchObject({
      step: { action: 'dead-letter', reason: 'exhausted' },
      outcome: 'dead_lettered',
    });
    expect(third.progress.last).toEqual({ status: 503, error: 'HTTP 503' });
  });

  it('dead-letters a permanent failure at once', () => {
    const { guard } = rig();
    const { step } = attempt(guard, newProgress(0), { outcome: 'permanent', status: 400, error: 'HTTP 400' });
    expect(step).toEqual({ action: 'dead-letter', reason: 'permanent' });
  });

  it('never dead-letters exhausted while the circuit is open, and does not charge a failed probe', () => {
    const { guard, clock } = rig({ failures: 2, coolDownMs: 10_000 });
    let progress = attempt(guard, newProgress(clock.now), down).progress;
    const opening = attempt(guard, progress, down);
    // The second failure opens the circuit: the job waits for the probe instead of retrying.
    expect(opening.step).toEqual({ action: 'wait', delayMs: 10_000, cause: 'circuit-open' });
    progress = opening.progress;
    expect(progress.attempts).toBe(2);
    clock.now += 10_000;
    const gate = beforeAttempt({ progress, guard, now: clock.now }).step;
    expect(gate).toEqual({ action: 'attempt', probe: true });
    const probe = attempt(guard, progress, down, true);
    expect(probe.step).toEqual({ action: 'wait', delayMs: 20_000, cause: 'circuit-open' });
    expect(probe.progress.attempts).toBe(2); // not charged
    clock.now += 20_000;
    expect(attempt(guard, probe.progress, ok, true).step).toEqual({ action: 'done' });
  });
});
