import { describe, expect, it } from 'vitest';
import { DestinationGuard, type GuardEvent } from '../../../lambda/core/deliver/destination-guard';

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

describe('a guard shared through its snapshot', () => {
  it('lets one probe out at a time while half-open, and carries its state to another process', () => {
    const clock = { now: 0 };
    const config = {
      circuitBreaker: { failures: 1, coolDownMs: 1_000 },
      rateLimit: { perSecond: 1, burst: 1 },
      timeoutMs: 1_000,
    };
    const first = new DestinationGuard(
      who,
      config,
      () => clock.now,
      () => {},
    );
    first.record(down);
    clock.now = 1_000;
    expect(first.gate()).toEqual({ action: 'attempt', probe: true });
    // Another container restores the same destination: the probe is out, so it waits.
    const second = new DestinationGuard(
      who,
      config,
      () => clock.now,
      () => {},
      first.snapshot(),
    );
    expect(second.gate()).toEqual({ action: 'wait', waitMs: 7_000, cause: 'circuit-open' });
    second.record(ok);
    const third = new DestinationGuard(
      who,
      config,
      () => clock.now,
      () => {},
      second.snapshot(),
    );
    // Closed again; the token the probe took is gone until a second passes.
    expect(third.gate()).toEqual({ action: 'wait', waitMs: 1_000, cause: 'rate-limit' });
    clock.now = 2_000;
    expect(third.gate()).toEqual({ action: 'attempt', probe: false });
  });
});
