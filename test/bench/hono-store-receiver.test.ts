// The floor under the receiver benchmark's "jobs stored": Hono alone that also commits each
// notification's job to the bridge's SQLite store before it answers. If it stored nothing, the
// floor would read as Hono alone and hide what a stored 202 costs.
import { afterEach, describe, expect, it } from 'vitest';
import { BENCH_ROUTE_ID, runNotificationBodies, uniqueRunNotification } from '../../bench/notifications';
import type { BenchServer } from '../../bench/servers/bench-server';
import { startHonoReceiver } from '../../bench/servers/hono-receiver';

const servers: BenchServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function send(server: BenchServer, n: number, signature?: string) {
  const { body, headers } = uniqueRunNotification(n, runNotificationBodies()[0] as string);
  const response = await fetch(`${server.url}/hooks/${BENCH_ROUTE_ID}`, {
    method: 'POST',
    headers: { ...headers, ...(signature ? { 'x-tfe-notification-signature': signature } : {}) },
    body,
  });
  return response.status;
}

describe('Hono receiver with storeJobs (the "jobs stored" floor)', () => {
  it('commits one pending job per signed notification before it answers', async () => {
    const server = await startHonoReceiver({ storeJobs: true });
    servers.push(server);
    expect(await send(server, 1)).toBe(200);
    expect(server.stats()).toEqual({ verified: 1, pending: 1 });
    expect(await send(server, 2)).toBe(200);
    expect(server.stats()).toEqual({ verified: 2, pending: 2 });
  });

  it('stores nothing for a bad signature, and nothing at all without storeJobs', async () => {
    const floor = await startHonoReceiver({ storeJobs: true });
    const alone = await startHonoReceiver();
    servers.push(floor, alone);
    expect(await send(floor, 1, '0'.repeat(128))).toBe(401);
    expect(floor.stats()).toEqual({ verified: 0, pending: 0 });
    expect(await send(alone, 1)).toBe(200);
    expect(alone.stats()).toEqual({ verified: 1, pending: 0 });
  });
});
