import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  type CircuitChange,
  MAX_COOL_DOWN_MS,
} from '../../../lambda/core/deliver/circuit-breaker';

function breaker(failures = 3, coolDownMs = 1_000) {
  const clock = { now: 0 };
  const changes: CircuitChange[] = [];
  const b = new CircuitBreaker(
    { failures, coolDownMs },
    () => clock.now,
    (c) => changes.push(c),
  );
  return { clock, changes, b };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold; a success resets the count', () => {
    const { b, changes } = breaker(3);
    expect([b.failed(), b.failed()]).toEqual([false, false]);
    b.succeeded();
    expect([b.failed(), b.failed()]).toEqual([false, false]);
    expect(b.state).toBe('closed');
    expect(b.admit()).toEqual({ allowed: true, probe: false });
    expect(changes).toEqual([]);
  });

  it('opens after N consecutive failures and refuses attempts for the cool-down', () => {
    const { b, clock, changes } = breaker(3, 1_000);
    b.failed();
    b.failed();
    expect(b.failed()).toBe(true);
    expect(changes).toEqual([{ state: 'open', consecutiveFailures: 3, coolDownMs: 1_000 }]);
    clock.now = 400;
    expect(b.admit()).toEqual({ allowed: false, waitMs: 600 });
  });

  it('lets one probe through after the cool-down and closes when it succeeds', () => {
    const { b, clock, changes } = breaker(1, 1_000);
    b.failed();
    clock.now = 1_000;
    expect(b.admit()).toEqual({ allowed: true, probe: true });
    expect(b.state).toBe('half-open');
    b.succeeded();
    expect(b.state).toBe('closed');
    expect(changes.map((c) => c.state)).toEqual(['open', 'half-open', 'closed']);
    expect(changes[2]).toEqual({ state: 'closed', consecutiveFailures: 1 });
    expect(b.admit()).toEqual({ allowed: true, probe: false });
  });

  it('opens again on a failed probe, doubling the cool-down up to the cap', () => {
    const { b, clock, changes } = breaker(1, 10 * 60_000);
    b.failed();
    const coolDowns: number[] = [];
    for (let i = 0; i < 4; i++) {
      clock.now += MAX_COOL_DOWN_MS;
      expect(b.admit()).toEqual({ allowed: true, probe: true });
      expect(b.failed()).toBe(true);
      coolDowns.push(b.admit().allowed ? 0 : (b.admit() as { waitMs: number }).waitMs);
    }
    expect(coolDowns).toEqual([20 * 60_000, MAX_COOL_DOWN_MS, MAX_COOL_DOWN_MS, MAX_COOL_DOWN_MS]);
    expect(changes.filter((c) => c.state === 'open')).toHaveLength(5);
  });

  it('starts again from the configured cool-down after it closed', () => {
    const { b, clock } = breaker(1, 1_000);
    b.failed();
    clock.now += 1_000;
    b.admit();
    b.failed(); // 2 s
    clock.now += 2_000;
    b.admit();
    b.succeeded();
    b.failed();
    expect(b.admit()).toEqual({ allowed: false, waitMs: 1_000 });
  });
});
