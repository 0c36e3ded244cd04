// Nothing accepted is lost on the AWS path either: receiver → SQS FIFO → worker under 30% injected
// faults and throttled secret reads. `npm run soak` runs a bigger count.
import { describe, expect, it } from 'vitest';
import { runAwsFaultScenario } from './aws-fault-scenario';

const SOAK = process.env.TFE_BRIDGE_SOAK === '1';
const NOTIFICATIONS = SOAK ? 2_000 : 200;

describe('fault injection, AWS path (SQS emulator)', () => {
  it(`accounts for every one of ${NOTIFICATIONS} notifications under 30% faults, in order, once each`, async () => {
    const result = await runAwsFaultScenario({
      notifications: NOTIFICATIONS,
      faultShare: 0.3,
      duplicates: 20,
    });
    if (SOAK) process.stdout.write(`AWS fault scenario: ${JSON.stringify(result)}\n`);
    expect(result.accepted).toBe(NOTIFICATIONS * 2);
    expect(result).toMatchObject({ lost: 0, duplicatesDelivered: 0, outOfOrder: 0, leftOnQueue: 0 });
    expect(result.delivered + result.deadLettered).toBe(result.accepted);
    // Every dead letter says why: the worker's own reasons, not the queue's redrive safety net.
    expect(Object.keys(result.deadLetterReasons).every((r) => ['exhausted', 'permanent'].includes(r))).toBe(
      true,
    );
    expect(result.delivered).toBeGreaterThan(result.accepted * 0.9);
    expect(result.retries).toBeGreaterThan(0);
    expect(result.throttledSecretReads).toBeGreaterThan(0);
  }, 600_000);
});
