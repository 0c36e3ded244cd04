// One autocannon run against a receiver, keeping every response time (autocannon's own histogram
// rounds to whole milliseconds, too coarse for sub-millisecond receivers).
import autocannon from 'autocannon';
import type { SignedNotification } from './notifications';

export interface LoadOptions {
  url: string;
  path: string;
  notifications: readonly SignedNotification[];
  connections: number;
  durationS: number;
  /** Requests per second over all connections; absent means as fast as the server answers. */
  rate?: number;
  /** Each request's notification, when every request must differ (a bridge stores a repeated
   *  body only once); else `notifications` round-robin. */
  next?: () => SignedNotification;
}

export interface LoadResult {
  /** 2xx answers per second of the run. */
  rps: number;
  ok: number;
  failed: number;
  latenciesMs: number[];
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let ok = 0;
  let failed = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationS,
        // At a fixed rate autocannon would otherwise add synthetic samples for late requests.
        ...(options.rate === undefined ? {} : { overallRate: options.rate, ignoreCoordinatedOmission: true }),
        timeout: 10,
        requests: options.next
          ? [
              {
                method: 'POST' as const,
                path: options.path,
                setupRequest: (request: autocannon.Request) => {
                  const { body, headers } = (options.next as () => SignedNotification)();
                  return { ...request, headers: { ...request.headers, ...headers }, body };
                },
              },
            ]
          : options.notifications.map(({ body, headers }) => ({
              method: 'POST' as const,
              path: options.path,
              headers,
              body,
            })),
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({ rps: ok / (result.duration || options.durationS), ok, failed, latenciesMs });
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
