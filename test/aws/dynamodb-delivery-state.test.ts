// The delivery state on DynamoDB against dynalite, through the bridge's own client (real wire
// protocol): the paths the worker tests reach only under load, a guard changed by another
// container first and held messages that span more than one Query page.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsCaller } from '../../lambda/adapters/aws/aws-caller';
import { DynamoDbDeliveryState } from '../../lambda/adapters/aws/dynamodb-delivery-state';
import type { GuardConfig } from '../../lambda/core/deliver/destination-guard';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';

let dynamo: LocalDynamoDb;
let tableName: string;
/** Calls per operation, as the state made them. */
let calls: Record<string, number>;
/** What every "container" of a test shares: the table, through a caller that counts. */
const stateOf = () => {
  const counted: AwsCaller = {
    call(operation, input) {
      calls[operation] = (calls[operation] ?? 0) + 1;
      return dynamo.bridge.call(operation, input);
    },
  };
  return new DynamoDbDeliveryState({ tableName, client: counted, now: () => 1_000_000 });
};

beforeEach(async () => {
  dynamo = await startLocalDynamoDb();
  tableName = await dynamo.createStateTable('delivery-state');
  calls = {};
});
afterEach(async () => {
  await dynamo.close();
});

const who = { route: 'runs', destination: 'api' };
const config: GuardConfig = { circuitBreaker: { failures: 3, coolDownMs: 60_000 } };
const outage = { outcome: 'retry', status: 503, error: 'HTTP 503' } as const;

describe('DynamoDbDeliveryState', () => {
  it('decides again on what another container stored when it changed the guard first', async () => {
    const [first, second] = [stateOf(), stateOf()];
    const { basis: stale } = await first.use(who, config, (guard) => guard.record(outage));
    await second.use(who, config, (guard) => guard.record(outage));

    // The stale basis has one failure; the table has two, so this third one opens the circuit.
    const { value, events } = await first.use(who, config, (guard) => guard.record(outage), stale);

    expect(value).toEqual({ held: true });
    expect(events.map((event) => event.type)).toEqual(['circuit-opened']);
    // The refused conditional write, then a fresh read and a write that held.
    expect(calls).toEqual({ GetItem: 3, PutItem: 4 });
  });

  it('lets every held message go, across Query pages, and forgets them', async () => {
    const state = stateOf();
    // DynamoDB answers a Query 1 MB at a time: twelve 100 kB handles take two pages.
    const handles = Array.from({ length: 12 }, (_, i) => `handle-${i}-`.padEnd(100_000, 'x'));
    for (const [i, handle] of handles.entries()) await state.hold('runs/api', `m${i}`, handle, 2_000_000);
    await state.hold('runs/other', 'm0', 'other-handle', 2_000_000);

    expect((await state.release('runs/api')).sort()).toEqual([...handles].sort());
    expect(calls.Query).toBeGreaterThan(1);
    expect(await state.release('runs/api')).toEqual([]);
    expect(await state.release('runs/other')).toEqual(['other-handle']);
  });

  it('reads back the progress it saved, numbers and the last error, until it forgets it', async () => {
    const state = stateOf();
    const progress = {
      attempts: 2,
      started: 2,
      finished: 2,
      holds: 1,
      queuedAt: 999_000,
      last: { error: 'HTTP 503', status: 503 },
    };
    await state.save('message-1', progress);
    expect(await state.read('message-1')).toEqual(progress);
    expect(await state.markStarted('message-1', progress)).toEqual({ ...progress, started: 3 });
    await state.forget('message-1');
    expect(await state.read('message-1')).toBeUndefined();
  });
});
