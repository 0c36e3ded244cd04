// The burst benchmark's destination: answers each request after a fixed latency, as a busy API
// would, and records which notification (its run-bench-<n> id) arrived when, on the sender's clock;
// and what those arrivals say: latency, order per workspace, repeats, the most in one second.
import { createServer } from 'node:http';
import { runNumberOf } from './notifications';
import { closeServer, listenLocal } from './servers/bench-server';

export interface Arrival {
  /** The notification's number. */
  n: number;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface SlowDestination {
  url: string;
  /** Every request with a run number, in arrival order (repeats included). */
  arrivals: Arrival[];
  /** Distinct notifications received since the last reset. */
  readonly received: number;
  /** Most requests being answered at once since the last reset. */
  readonly maxInFlight: number;
  reset(): void;
  /** Resolves once `count` distinct notifications arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSlowDestination(latencyMs: number): Promise<SlowDestination> {
  let seen = new Set<number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const arrivals: Arrival[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const n = runNumberOf(Buffer.concat(chunks).toString('utf8'));
      if (n >= 0) {
        arrivals.push({ n, at: performance.now() });
        seen.add(n);
      }
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      }, latencyMs);
    });
  });
  return {
    url: await listenLocal(server),
    arrivals,
    get received() {
      return seen.size;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    reset() {
      arrivals.length = 0;
      seen = new Set();
      maxInFlight = inFlight;
    },
    async waitFor(count, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (seen.size < count) {
        if (performance.now() > deadline) {
          throw new Error(`destination got ${seen.size} of ${count} notifications within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => closeServer(server),
  };
}

/** Requests this close together count as "in one second": a limiter keeping to N per second can
 *  see N + 1 arrive within 1,000 ms when the network delays the first a little. */
export const ONE_SECOND_WINDOW_MS = 950;

export interface ArrivalSummary {
  /** performance.now() of the last first arrival. */
  lastAt: number;
  /** First arrival minus send, per notification. */
  latenciesMs: number[];
  /** First arrivals earlier than a later-numbered one of their workspace. */
  outOfOrder: number;
  /** Requests beyond the first for a notification. */
  repeats: number;
  /** Most requests (repeats too) within ONE_SECOND_WINDOW_MS. */
  maxPerSecond: number;
}

/** Notification n (first <= n) was sent at sentAt[n - first], in workspace (n - first) mod workspaces. */
export function summarizeArrivals(
  arrivals: readonly Arrival[],
  sentAt: ArrayLike<number>,
  first: number,
  workspaces: number,
): ArrivalSummary {
  const firstArrival = new Map<number, number>();
  for (const { n, at } of arrivals) if (!firstArrival.has(n)) firstArrival.set(n, at);
  const latest = new Map<number, number>();
  let outOfOrder = 0;
  for (const n of firstArrival.keys()) {
    const workspace = (n - first) % workspaces;
    if (n < (latest.get(workspace) ?? -1)) outOfOrder++;
    else latest.set(workspace, n);
  }
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  let maxPerSecond = 0;
  for (let start = 0, end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= ONE_SECOND_WINDOW_MS) start++;
    maxPerSecond = Math.max(maxPerSecond, end - start + 1);
  }
  return {
    lastAt: Math.max(...firstArrival.values()),
    latenciesMs: [...firstArrival].map(([n, at]) => at - (sentAt[n - first] as number)),
    outOfOrder,
    repeats: arrivals.length - firstArrival.size,
    maxPerSecond,
  };
}
