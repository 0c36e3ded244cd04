// The SQLite store on a real file: dedup on committed rows only, lanes in order, dead letters as a
// state of the row, replays at the end of their lane, bounded size, and one delivering process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../../../lambda/adapters/local/local-store';
import { laneOf } from '../../../lambda/adapters/local/store-queue';
import type { DeliveryJob } from '../../../lambda/core/contract';
import { newProgress } from '../../../lambda/core/deliver/engine';
import { jobIdFor } from '../../../lambda/core/receive/jobs';

const stores: LocalStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function open(path = join(mkdtempSync(join(tmpdir(), 'tfe-bridge-store-')), 'bridge.db')) {
  const store = LocalStore.open(path);
  stores.push(store);
  return store;
}

function job(body: string, destinationId = 'api'): DeliveryJob {
  return {
    id: jobIdFor('runs', destinationId, body),
    routeId: 'runs',
    destinationId,
    body,
    receivedAt: '2026-11-30T00:00:00.000Z',
    kind: 'run',
    triggers: ['run:completed'],
  };
}

const accept = (store: LocalStore, jobs: DeliveryJob[], now = 1_000, dedupWindowMs = 300_000) =>
  store.jobs.accept([jobs], { laneOf, now, dedupWindowMs })[0];

describe('LocalStore jobs', () => {
  it('accepts a job once within the dedup window, and again after it', () => {
    const store = open();
    expect(accept(store, [job('{"a":1}')])?.queued).toHaveLength(1);
    expect(accept(store, [job('{"a":1}')], 2_000)?.duplicates).toHaveLength(1);
    expect(accept(store, [job('{"a":1}')], 400_000)?.queued).toHaveLength(1);
    expect(store.jobs.pendingCount()).toBe(2);
  });

  it('stores nothing of a batch whose transaction fails, so its resend is not a duplicate', () => {
    const store = open();
    const bad = { ...job('{"b":1}'), triggers: undefined as unknown as string[] };
    // JSON.stringify(undefined) is not text: the insert throws inside the transaction.
    expect(() =>
      store.jobs.accept([[job('{"a":1}')], [bad]], { laneOf, now: 0, dedupWindowMs: 1e6 }),
    ).toThrow();
    expect(store.jobs.pendingCount()).toBe(0);
    expect(accept(store, [job('{"a":1}')])?.queued).toHaveLength(1);
  });

  it('hands out the head of each lane in order, and the next once the head is delivered', () => {
    const store = open();
    accept(store, [job('{"n":1}'), job('{"n":1}', 'other')]);
    accept(store, [job('{"n":2}')]);
    expect(store.jobs.pendingLanes().sort()).toEqual(['runs/api', 'runs/other']);
    const head = store.jobs.head('runs/api');
    expect(head?.job.body).toBe('{"n":1}');
    store.jobs.delivered(head?.seq ?? 0, { ...newProgress(0), attempts: 1 }, 5_000);
    expect(store.jobs.head('runs/api')?.job.body).toBe('{"n":2}');
    // The body is still needed by the other destination's job.
    expect(store.jobs.head('runs/other')?.job.body).toBe('{"n":1}');
  });

  it('keeps a dead letter as the same row, and a replay puts it at the end of its lane', () => {
    const store = open();
    accept(store, [job('{"n":1}')]);
    const first = store.jobs.head('runs/api');
    store.jobs.dead(
      first?.seq ?? 0,
      'exhausted',
      { ...newProgress(0), attempts: 6, last: { status: 503, error: 'HTTP 503' } },
      9_000,
      'key',
    );
    accept(store, [job('{"n":2}')]);
    const [letter] = store.jobs.deadLetters();
    expect(letter?.letter).toMatchObject({
      reason: 'exhausted',
      attempts: 6,
      lastStatus: 503,
      lastError: 'HTTP 503',
      payload: '{"n":1}',
      idempotencyKey: 'key',
    });
    const [seq] = store.jobs.requeue([letter?.seq ?? 0], 10_000);
    expect(store.jobs.deadLetters()).toEqual([]);
    expect(store.jobs.head('runs/api')?.job.body).toBe('{"n":2}');
    expect(store.jobs.stateOf(seq ?? 0)).toBe('pending');
  });

  it('forgets delivered rows after the dedup window', () => {
    const store = open();
    accept(store, [job('{"n":1}')]);
    const head = store.jobs.head('runs/api');
    store.jobs.delivered(head?.seq ?? 0, newProgress(0), 5_000);
    expect(store.jobs.prune(4_000)).toBe(0);
    expect(store.jobs.prune(6_000)).toBe(1);
  });
});

describe('LocalStore lease', () => {
  it('lets one holder deliver; release hands it on (another live process is refused: disk-faults e2e)', () => {
    const first = open();
    const second = open(first.path);
    expect(first.acquireLease()).toBeUndefined();
    expect(first.leaseHolder()).toMatchObject({ pid: process.pid });
    expect(first.renewLease()).toBe(true);
    first.releaseLease();
    expect(first.leaseHolder()).toBeUndefined();
    expect(second.acquireLease()).toBeUndefined();
    expect(first.renewLease()).toBe(false);
  });

  it('takes over a lease naming its own pid under another owner: an earlier run that died (pid 1 in a container)', () => {
    const first = open();
    const second = open(first.path);
    first.acquireLease();
    expect(second.acquireLease()).toBeUndefined();
    expect(first.renewLease()).toBe(false);
  });

  it('takes over a lease whose holder stopped renewing it', () => {
    let now = 0;
    const first = LocalStore.open(join(mkdtempSync(join(tmpdir(), 'tfe-bridge-store-')), 'b.db'), {
      now: () => now,
    });
    const second = LocalStore.open(first.path, { now: () => now });
    stores.push(first, second);
    first.acquireLease();
    now = 60_000;
    expect(second.acquireLease()).toBeUndefined();
    expect(first.renewLease()).toBe(false);
  });
});
