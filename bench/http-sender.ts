// The notification sender for the end-to-end benchmark: node:http with keep-alive (as cheap as
// a client gets in node, so the sender is not what is being measured), closed or open loop.
import { Agent, request } from 'node:http';

export interface Sender {
  /** POSTs `body` and resolves with the status once the answer has been read. */
  post(url: string, body: string, headers: Record<string, string>): Promise<number>;
  close(): void;
}

export function createSender(maxSockets: number): Sender {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    post(url, body, headers) {
      return new Promise((resolve, reject) => {
        const req = request(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.on('data', () => {});
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Runs `send(i)` for i in 0..count-1 with at most `concurrency` in flight (a burst). */
export async function sendBurst(
  count: number,
  concurrency: number,
  send: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await send(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Starts `send(i)` at `rate` per second whatever the answers do (an open loop: a slow receiver
 * shows as latency instead of silently slowing the sender down), and waits for all of them.
 */
export async function sendPaced(
  count: number,
  rate: number,
  send: (i: number) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; ) {
    const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
    for (; i < due; i++) inFlight.push(send(i));
    // Timers fire at best every millisecond: send what fell due in between as one batch.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
}
