import { describe, expect, it } from 'vitest';
import {
  DestinationGuard,
  type GuardEvent,
  isHeldTooLong,
} from '../../../lambda/core/deliver/destination-guard';

const who = { route: 'runs', destination: 'api' };
const down = { outcome: 'retry', status: 503, error: 'HTTP 503' } as const;
const ok = { outcome: 'delivered', status: 200 } as const;

function guard(config: ConstructorParameters<typeof DestinationGuard>[1]) {
  const clock = { now: 0 };
  const events: GuardEvent[] = [];
  return {
    clock,
    events,
    g: new DestinationGuard(
      who,
      config,
      () => clock.now,
      (e) => events.push(e),
    ),
  };
}

describe('DestinationGuard', () => {
  it('holds the job (held: true) once the failures open the circuit, then gates until the probe', () => {
    const { g, clock, events } = guard({ circuitBreaker: { failures: 2, coolDownMs: 500 } });
    expect(g.record(down)).toEqual({ held: false });
    expect(g.record(down)).toEqual({ held: true });
    expect(g.gate()).toEqual({ action: 'wait', waitMs: 500, cause: 'circuit-open' });
    clock.now = 500;
    expect(g.gate()).toEqual({ action: 'attempt', probe: true });
    g.record(ok);
    expect(events.map((e) => e.type)).toEqual(['circuit-opened', 'circuit-probe', 'circuit-closed']);
    expect(events[0]).toEqual({ ...who, type: 'circuit-opened', consecutiveFailures: 2, coolDownMs: 500 });
  });

  it('treats 429 and 4xx as a destination that answers: they never open the circuit', () => {
    const { g, events } = guard({ circuitBreaker: { failures: 1, coolDownMs: 500 } });
    expect(g.record({ outcome: 'retry', status: 429, error: 'HTTP 429' })).toEqual({ held: false });
    expect(g.record({ outcome: 'permanent', status: 400, error: 'HTTP 400' })).toEqual({ held: false });
    expect(g.gate()).toEqual({ action: 'attempt', probe: false });
    expect(events).toEqual([]);
  });

  it('slows down on a 429 and reports waits for tokens', () => {
    const { g, clock, events } = guard({ circuitBreaker: false, rateLimit: { perSecond: 4, burst: 1 } });
    expect(g.gate()).toEqual({ action: 'attempt', probe: false });
    g.record({ outcome: 'retry', status: 429, error: 'HTTP 429' });
    expect(g.gate()).toEqual({ action: 'wait', waitMs: 500, cause: 'rate-limit' });
    clock.now = 500;
    expect(g.gate()).toEqual({ action: 'attempt', probe: false });
    expect(events).toEqual([
      { ...who, type: 'rate-lowered', perSecond: 2 },
      { ...who, type: 'rate-limit-wait', waitMs: 500, perSecond: 2 },
    ]);
  });

  it('with neither configured, always lets attempts through and never holds', () => {
    const { g } = guard({ circuitBreaker: false });
    for (let i = 0; i < 50; i++) expect(g.record(down)).toEqual({ held: false });
    expect(g.gate()).toEqual({ action: 'attempt', probe: false });
  });
});

describe('isHeldTooLong', () => {
  it('is true only past the age limit', () => {
    expect(isHeldTooLong(0, 1_000, 1_000)).toBe(false);
    expect(isHeldTooLong(0, 1_001, 1_000)).toBe(true);
  });
});
