// A lean destination for the end-to-end benchmark: answers 200 at once and records when each
// notification (by its run-bench-<n> id) arrived, on the sender's clock (same process).
import { createServer } from 'node:http';
import { runNumberOf } from './notifications';
import { closeServer, listenLocal } from './servers/bench-server';

export interface DestinationSink {
  url: string;
  /** performance.now() at arrival, by notification number - first; NaN until it arrives. */
  arrivals: Float64Array;
  received: number;
  /** Clears the arrivals for a run of `count` notifications numbered from `first`. */
  reset(count: number, first: number): void;
  /** Resolves once `count` deliveries arrived, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDestinationSink(): Promise<DestinationSink> {
  let waiter: (() => void) | undefined;
  let first = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const n = runNumberOf(Buffer.concat(chunks).toString('utf8')) - first;
      if (n >= 0 && n < sink.arrivals.length && Number.isNaN(sink.arrivals[n])) {
        sink.arrivals[n] = performance.now();
        sink.received++;
        waiter?.();
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const sink: DestinationSink = {
    url: await listenLocal(server),
    arrivals: new Float64Array(0),
    received: 0,
    reset(count, from) {
      first = from;
      sink.arrivals = new Float64Array(count).fill(Number.NaN);
      sink.received = 0;
    },
    async waitFor(count, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (sink.received < count) {
        if (performance.now() > deadline) {
          throw new Error(`destination got ${sink.received} of ${count} deliveries within ${timeoutMs} ms`);
        }
        await new Promise<void>((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 20);
        });
      }
      waiter = undefined;
    },
    close: () => closeServer(server),
  };
  return sink;
}
