// Local mode: the receiver app on @hono/node-server with an in-process delivery queue, local
// secrets file and dead-letter file. Same core as on AWS, different adapters.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { LoadedConfig } from './adapters/local/config-file';
import { DeadLetterFile } from './adapters/local/dead-letter-file';
import { FileSecretStore } from './adapters/local/file-secret-store';
import type { JobJournal } from './adapters/local/job-journal';
import { LocalDeliveryQueue } from './adapters/local/local-delivery-queue';
import { MemoryReplayGuard } from './adapters/local/memory-replay-guard';
import { PROMETHEUS_CONTENT_TYPE, PrometheusRegistry } from './adapters/local/prometheus-registry';
import { createApp } from './app';
import { buildTargets } from './core/outgoing-request';
import type { DeadLetterStore, Fetch, Logger, SecretStore } from './ports';

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

export interface LocalBridgeOptions {
  loaded: LoadedConfig;
  logger: Logger;
  secrets?: SecretStore;
  secretsPath?: string | undefined;
  deadLetters?: DeadLetterStore;
  /** Where accepted jobs are recorded so they survive a crash (serve always passes one). */
  journal?: JobJournal;
  port?: number;
  host?: string;
  fetch?: Fetch;
  random?: () => number;
  /** The queue's duplicate window (default: SQS's 5 minutes); tests shorten it. */
  dedupWindowMs?: number;
}

export interface LocalBridge {
  url: string;
  queue: LocalDeliveryQueue;
  /** What `GET /metrics` serves. */
  metrics: PrometheusRegistry;
  /** Stops accepting requests, drains deliveries within `drainTimeoutMs`, dead-letters the rest. */
  close(drainTimeoutMs?: number): Promise<void>;
}

export async function startLocalBridge(options: LocalBridgeOptions): Promise<LocalBridge> {
  const { loaded, logger } = options;
  const secrets = options.secrets ?? new FileSecretStore(options.secretsPath);
  const metrics = new PrometheusRegistry();
  const queue = new LocalDeliveryQueue({
    targets: buildTargets(loaded.config, loaded.renderers),
    deps: { secrets, logger, metrics, fetch: options.fetch ?? globalThis.fetch },
    deadLetters: options.deadLetters ?? new DeadLetterFile(),
    ...(options.journal ? { journal: options.journal } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(loaded.config.maxConcurrency === undefined ? {} : { maxConcurrency: loaded.config.maxConcurrency }),
    ...(options.dedupWindowMs === undefined ? {} : { dedupWindowMs: options.dedupWindowMs }),
  });
  const recovered = queue.recover();
  if (recovered > 0) logger.warn('recovered jobs accepted before a crash', { count: recovered });
  const app = createApp({
    config: loaded.config,
    secrets,
    queue,
    logger,
    metrics,
    ...(loaded.config.replayGuard ? { replayGuard: new MemoryReplayGuard() } : {}),
  });
  // Local mode only: on AWS the same metrics go to CloudWatch, and the Function URL is public.
  app.get('/metrics', (c) => c.body(metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }));
  const host = options.host ?? DEFAULT_HOST;

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host }, () =>
      resolve(started),
    );
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  for (const route of loaded.config.routes) {
    logger.info('route live', {
      route: route.id,
      url: `${url}/hooks/${route.id}`,
      signed: !route.allowUnsigned,
      destinations: route.destinations.map((d) => d.id),
    });
  }

  return {
    url,
    queue,
    metrics,
    async close(drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open until they time out.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await queue.drain(drainTimeoutMs);
      // `finished` lines are written behind the deliveries: write the last ones before exiting.
      await options.journal?.close();
      await closed;
    },
  };
}
