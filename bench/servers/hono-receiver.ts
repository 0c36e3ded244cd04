// Baseline (b'): the least a receiver can do on the chosen stack, Hono on @hono/node-server:
// read the raw body, verify its HMAC, parse it, 200. What separates it from bare node:http is the
// framework's own cost; what separates tfe-bridge from it is the bridge's work.
//
// With `storeJobs`, a floor under the bridge's "jobs stored": Hono alone plus the one thing a
// stored 202 cannot do without, the notification's job committed to the bridge's SQLite store
// (LocalStore through StoreQueue, as `serve` writes it, nothing delivered), before the answer.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { LocalStore } from '../../lambda/adapters/local/local-store';
import { createLocalLogger } from '../../lambda/adapters/local/pino-logger';
import { StoreQueue } from '../../lambda/adapters/local/store-queue';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { BENCH_ROUTE_ID } from '../notifications';
import { parseSignedJson } from '../signed-body';
import { type BenchServer, closeServer } from './bench-server';

export interface HonoReceiverOptions {
  storeJobs?: boolean;
}

const DESTINATIONS = [{ id: 'sink', ordering: 'workspace' as const }];

export async function startHonoReceiver(options: HonoReceiverOptions = {}): Promise<BenchServer> {
  let verified = 0;
  const dir = options.storeJobs ? mkdtempSync(join(tmpdir(), 'tfe-bridge-bench-hono-')) : undefined;
  const store = dir ? LocalStore.open(join(dir, 'bridge.db')) : undefined;
  const queue =
    store &&
    new StoreQueue({
      store,
      logger: createLocalLogger({ stream: { write: () => {} } }),
      onQueued: () => {},
    });
  const app = new Hono();
  app.post('/hooks/:routeId', async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    const signed = parseSignedJson(body, c.req.header(TFE_SIGNATURE_HEADER));
    if (signed === undefined) return c.json({ error: 'invalid_signature' }, 401);
    verified++;
    if (queue) {
      // The body decoded once, as the bridge does: the floor does no work the bridge does not.
      const notification = classifyPayload(signed.value as Record<string, unknown>);
      const jobs = createJobs(BENCH_ROUTE_ID, DESTINATIONS, signed.text, notification, new Date());
      await queue.enqueue(jobs);
    }
    return c.json({ status: 'ok' }, 200);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started as Server),
    );
    started.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ verified, pending: store?.jobs.pendingCount() ?? 0 }),
    async close() {
      await closeServer(server);
      queue?.close();
      store?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
