// Subject (c): the real tfe-bridge app on @hono/node-server, as local mode runs it, with the jobs
// going to a counting sink instead of the delivery queue, so only the receiving path is measured.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createLocalLogger } from '../../lambda/adapters/local/pino-logger';
import { createApp } from '../../lambda/app';
import { MemorySecretStore } from '../../test/support/memory-secret-store';
import { BENCH_SECRETS, benchConfig } from '../bench-config';
import { CountingQueue } from '../counting-queue';
import { type BenchServer, closeServer } from './bench-server';

export async function startBridgeSinkReceiver(): Promise<BenchServer> {
  const queue = new CountingQueue();
  const app = createApp({
    config: benchConfig([{ id: 'sink', url: 'http://127.0.0.1:9/never-called' }]),
    secrets: new MemorySecretStore(BENCH_SECRETS),
    queue,
    // The JSON log line is built as in production; only the write to stdout is dropped.
    logger: createLocalLogger({ stream: { write: () => {} } }),
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
    stats: () => ({ jobs: queue.jobs, batches: queue.batches }),
    close: () => closeServer(server),
  };
}
