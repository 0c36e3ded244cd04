// The burst of `npm run bench`, small: notifications over several workspaces to one slow
// destination, through the local bridge and the simulated AWS path (several worker containers,
// FIFO group locks). What must hold whatever the machine's speed: every notification delivered
// once, in order within its workspace, and a rate-limited destination never sent more than its
// limit in any second. (How fast it drains is the bench's business, not a test's.)
import { describe, expect, it } from 'vitest';
import { benchBurst } from '../../bench/burst';

describe('a burst over many workspaces to one destination', () => {
  it('keeps per-workspace order, delivers each once, and keeps the rate limit, locally and on AWS', async () => {
    const section = await benchBurst({
      notifications: 60,
      workspaces: 6,
      latencyMs: 50,
      rateLimited: { perSecond: 10, notifications: 30 },
      log: () => {},
    });
    const checks = section.checks.filter((check) => !check.name.includes('faster than before'));
    expect(checks.map((check) => check.name)).toEqual(
      expect.arrayContaining([
        'burst, local (serve): order kept per workspace',
        'burst, AWS (simulated): order kept per workspace',
        "burst, AWS (simulated): destination's rate limit kept",
      ]),
    );
    expect(checks.filter((check) => !check.pass)).toEqual([]);
    const value = (label: string) =>
      section.rows.filter((row) => row[0] === label).map((row) => row.slice(1));
    expect(value('delivered more than once')).toEqual([['0', '0']]);
    expect(value('dead-lettered')).toEqual([['0', '0']]);
  }, 300_000);
});
