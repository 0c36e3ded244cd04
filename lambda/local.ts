// Local mode: the receiver app on @hono/node-server, jobs in the SQLite store, delivered by the
// in-process runner. Same core as on AWS, different adapters.

import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { serve } from '@hono/node-server';
import { createAwsEndpointResolver } from './adapters/aws/aws-endpoints';
import { createAwsRequestSigner } from './adapters/aws/aws-request-signer';
import { sdkCredentialChain } from './adapters/aws/sdk-credential-chain';
import type { LoadedConfig } from './adapters/local/config-file';
import { DeliveryRunner } from './adapters/local/delivery-runner';
import { FileSecretStore } from './adapters/local/file-secret-store';
import { importLegacyFile } from './adapters/local/legacy-files';
import { LocalStore } from './adapters/local/local-store';
import { PROMETHEUS_CONTENT_TYPE, PrometheusRegistry } from './adapters/local/prometheus-registry';
import { DEFAULT_STORE_FILE } from './adapters/local/sqlite-store';
import { StoreQueue } from './adapters/local/store-queue';
import { createTlsFetch } from './adapters/tls-fetch';
import { createApp } from './app';
import { DEFAULT_MAX_CONCURRENCY } from './core/config/schema';
import { buildTargets } from './core/deliver/request';
import { createEnricher } from './core/enrich/enricher';
import type { Fetch, Logger, SecretStore } from './core/ports';

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

export interface LocalBridgeOptions {
  loaded: LoadedConfig;
  logger: Logger;
  secrets?: SecretStore;
  secretsPath?: string | undefined;
  /** The SQLite store (default `.tfe-bridge/bridge.db`). */
  storePath?: string;
  port?: number;
  host?: string;
  fetch?: Fetch;
  random?: () => number;
  /** The store's duplicate window (default: SQS's 5 minutes); tests shorten it. */
  dedupWindowMs?: number;
}

export interface LocalBridge {
  url: string;
  store: LocalStore;
  /** Jobs accepted and not yet delivered or dead-lettered. */
  readonly pending: number;
  /** What `GET /metrics` serves. */
  metrics: PrometheusRegistry;
  /** Stops accepting requests and lets in-flight deliveries finish within `drainTimeoutMs`;
   *  what is left stays pending in the store for the next start (returned: how many). */
  close(drainTimeoutMs?: number): Promise<{ pending: number }>;
}

export async function startLocalBridge(options: LocalBridgeOptions): Promise<LocalBridge> {
  const { loaded, logger } = options;
  const storePath = options.storePath ?? DEFAULT_STORE_FILE;
  // Opening proves the store writable: a read-only or full disk stops the start here.
  const store = LocalStore.open(storePath);
  try {
    return await startServing();
  } catch (error) {
    store.close();
    throw error;
  }

  async function startServing(): Promise<LocalBridge> {
    for (const kind of ['journal', 'dead-letters'] as const) {
      importLegacyFile(store, kind, join(dirname(storePath), `${kind}.jsonl`), logger);
    }
    const secrets = options.secrets ?? new FileSecretStore(options.secretsPath);
    const metrics = new PrometheusRegistry();
    const fetch = options.fetch ?? globalThis.fetch;
    const runner = new DeliveryRunner({
      store,
      targets: buildTargets(loaded.config, loaded.renderers),
      deps: {
        secrets,
        logger,
        metrics,
        fetch,
        signAws: createAwsRequestSigner({ credentials: sdkCredentialChain() }),
        awsEndpoint: createAwsEndpointResolver(),
        fetchTls: createTlsFetch(),
        liveMessages: store.liveMessages,
        enricher: createEnricher({ secrets, fetch, logger, metrics }),
      },
      ...(options.random ? { random: options.random } : {}),
      maxConcurrency: loaded.config.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      ...(options.dedupWindowMs === undefined ? {} : { dedupWindowMs: options.dedupWindowMs }),
    });
    const recovered = runner.start();
    if (recovered > 0) logger.warn('resuming jobs accepted before the last stop', { count: recovered });
    const queue = new StoreQueue({
      store,
      logger,
      onQueued: (lanes) => runner.wake(lanes),
      ...(options.dedupWindowMs === undefined ? {} : { dedupWindowMs: options.dedupWindowMs }),
    });
    const app = createApp({
      config: loaded.config,
      secrets,
      queue,
      logger,
      metrics,
      ...(loaded.config.replayGuard ? { replayGuard: store.replayGuard } : {}),
    });
    // Local mode only: on AWS the same metrics go to CloudWatch, and the Function URL is public.
    app.get('/metrics', (c) => c.body(metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }));
    const host = options.host ?? DEFAULT_HOST;

    let server: ReturnType<typeof serve>;
    try {
      server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
        const started = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_PORT, hostname: host }, () =>
          resolve(started),
        );
        started.once('error', reject);
      });
    } catch (error) {
      await runner.stop(0);
      throw error;
    }
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

    let closing: Promise<{ pending: number }> | undefined;
    const close = async (drainTimeoutMs: number) => {
      queue.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Idle keep-alive sockets would hold close() open until they time out.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await runner.stop(drainTimeoutMs);
      await closed;
      const left = runner.pending;
      store.close();
      // The template sandbox's processes were started for this bridge's deliveries.
      await loaded.sandbox?.close();
      return { pending: left };
    };
    return {
      url,
      store,
      get pending() {
        return runner.pending;
      },
      metrics,
      close(drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS) {
        closing ??= close(drainTimeoutMs);
        return closing;
      },
    };
  }
}
