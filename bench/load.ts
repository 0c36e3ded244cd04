// One autocannon run against a receiver, keeping every response time (autocannon's own histogram
// rounds to whole milliseconds, too coarse for sub-millisecond receivers).
import autocannon from 'autocannon';
import type { SignedNotification } from './notifications';

export interface LoadOptions {
  url: string;
  path: string;
  /** Sent in order, each once (round-robin only when the run outlasts them). */
  notifications: readonly SignedNotification[];
  connections: number;
  durationS: number;
  /** Requests per second over all connections; absent means as fast as the server answers. */
  rate?: number;
}

export interface LoadResult {
  /** 2xx answers per second of the run. */
  rps: number;
  ok: number;
  failed: number;
  /** Requests handed to autocannon, answered or not: the notifications used are the first `sent`. */
  sent: number;
  latenciesMs: number[];
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let ok = 0;
  let failed = 0;
  let sent = 0;
  if (options.notifications.length === 0) throw new Error('runLoad needs at least one notification');
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationS,
        // At a fixed rate autocannon would otherwise add synthetic samples for late requests.
        ...(options.rate === undefined ? {} : { overallRate: options.rate, ignoreCoordinatedOmission: true }),
        timeout: 10,
        // One cursor shared by every connection: given a list of requests, autocannon would send
        // the whole list on each connection, every notification once per connection (a bridge
        // stores a repeated body only once, so it was measured on its dedup path).
        requests: [
          {
            method: 'POST' as const,
            path: options.path,
            setupRequest: (request: autocannon.Request) => {
              const { body, headers } = options.notifications[sent++ % options.notifications.length] ?? {};
              return { ...request, headers: { ...request.headers, ...headers }, body };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({ rps: ok / (result.duration || options.durationS), ok, failed, sent, latenciesMs });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latenciesMs.push(responseTime);
      } else failed++;
    });
    instance.on('reqError', () => failed++);
  });
}
