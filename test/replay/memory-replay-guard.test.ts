// The local replay guard: refuses a key until its TTL ends, forgets released keys, stays bounded.
import { describe, expect, it } from 'vitest';
import { MemoryReplayGuard } from '../../lambda/adapters/local/memory-replay-guard';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('MemoryReplayGuard', () => {
  it('refuses a key seen within its TTL and accepts it again once the TTL has passed', async () => {
    const clock = fakeClock();
    const guard = new MemoryReplayGuard({ now: clock.now });
    expect(await guard.claim('a', 600)).toBe(true);
    clock.advance(599_999);
    expect(await guard.claim('a', 600)).toBe(false);
    clock.advance(1);
    expect(await guard.claim('a', 600)).toBe(true);
    // The new claim starts a new TTL.
    clock.advance(300_000);
    expect(await guard.claim('a', 600)).toBe(false);
  });

  it('keeps keys apart', async () => {
    const guard = new MemoryReplayGuard();
    expect(await guard.claim('a', 600)).toBe(true);
    expect(await guard.claim('b', 600)).toBe(true);
    expect(await guard.claim('a', 600)).toBe(false);
  });

  it('accepts a released key again at once', async () => {
    const guard = new MemoryReplayGuard();
    await guard.claim('a', 600);
    await guard.release('a');
    expect(await guard.claim('a', 600)).toBe(true);
  });

  it('drops expired keys, and the oldest keys past maxKeys, so memory stays bounded', async () => {
    const clock = fakeClock();
    const guard = new MemoryReplayGuard({ now: clock.now, maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) {
      await guard.claim(key, 600);
      clock.advance(1_000);
    }
    await guard.claim('d', 600);
    expect(guard.size).toBe(3);
    // "a" was forgotten to make room: accepted again (a weaker guard, never a false refusal).
    expect(await guard.claim('a', 600)).toBe(true);
    expect(await guard.claim('d', 600)).toBe(false);
    clock.advance(601_000);
    await guard.claim('e', 600);
    expect(guard.size).toBe(1);
  });
});
