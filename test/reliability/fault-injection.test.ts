// Nothing accepted is lost: with 30% injected faults every accepted notification is delivered
// or dead-lettered with a reason. `npm run soak` runs the full 10,000-notification version.
import { describe, expect, it } from 'vitest';
import { runFaultScenario } from './fault-scenario';

const SOAK = process.env.TFE_BRIDGE_SOAK === '1';
const NOTIFICATIONS = SOAK ? 10_000 : 1_200;

describe('fault injection', () => {
  it(`accounts for every one of ${NOTIFICATIONS} notifications under 30% faults, in order, once each`, async () => {
    const result = await runFaultScenario({ notifications: NOTIFICATIONS, faultShare: 0.3, duplicates: 20 });
    expect(result).toMatchObject({ lost: 0, duplicatesDelivered: 0, outOfOrder: 0 });
    expect(result.accepted).toBe(NOTIFICATIONS * 2);
    expect(result.lost).toBe(0);
    expect(result.delivered + result.deadLettered).toBe(result.accepted);
    expect(result.delivered).toBeGreaterThan(result.accepted * 0.9);
    expect(result.duplicatesDelivered).toBe(0);
    expect(result.outOfOrder).toBe(0);
    expect(result.throttledSecretReads).toBeGreaterThan(0);
    if (SOAK) process.stdout.write(`fault scenario: ${JSON.stringify(result)}\n`);
  }, 600_000);

  it.runIf(SOAK)(
    'a destination that is down for the whole run does not slow the others (within 2x)',
    async () => {
      const base = await runFaultScenario({ notifications: 2_000, faultShare: 0 });
      const withDown = await runFaultScenario({
        notifications: 2_000,
        faultShare: 0,
        withDownDestination: true,
      });
      process.stdout.write(
        `latency without down destination: ${JSON.stringify(base.healthyLatencyMs)}, with: ${JSON.stringify(withDown.healthyLatencyMs)}\n`,
      );
      expect(withDown.lost).toBe(0);
      expect(withDown.healthyLatencyMs.p50).toBeLessThanOrEqual(Math.max(2 * base.healthyLatencyMs.p50, 5));
    },
    600_000,
  );
});
