// Real HTTP destinations on 127.0.0.1 that record what the bridge sends and misbehave on cue.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Arrival time (Date.now()), for checking waits such as Retry-After. */
  at: number;
}

/** Decides the answer to the n-th request (1-based): 'hang' never answers, 'reset' drops the
 *  connection, 'stall' drops it after a while without answering, `delayMs` answers late. */
export type Behaviour = (
  request: ReceivedRequest,
  n: number,
) =>
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | 'hang'
  | 'reset'
  | 'stall';

/** How long a 'stall' holds the connection before dropping it. */
const STALL_MS = 200;

export interface DestinationServer {
  url: string;
  received: ReceivedRequest[];
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export const answer =
  (status: number, headers?: Record<string, string>): Behaviour =>
  () => ({ status, ...(headers ? { headers } : {}) });

/** Answers 401 unless `Authorization: Bearer <token()>` (token() may change: rotation). */
export const requireBearer =
  (token: () => string): Behaviour =>
  (request) => ({
    status: request.headers.authorization === `Bearer ${token()}` ? 200 : 401,
  });

/** Fails the first `times` requests with `status`, then succeeds. */
export const failTimes =
  (times: number, status = 503, headers?: Record<string, string>): Behaviour =>
  (_request, n) =>
    n <= times ? { status, ...(headers ? { headers } : {}) } : { status: 200 };

export const hang: Behaviour = () => 'hang';

/** Like a rate-limited API: 429 (with Retry-After: 1) when `perSecond` requests were already
 *  accepted in the last second, else `then` (200 by default). */
export function limitRate(perSecond: number, then: Behaviour = answer(200)): Behaviour {
  const accepted: number[] = [];
  return (request, n) => {
    while (accepted.length > 0 && (accepted[0] ?? 0) <= request.at - 1_000) accepted.shift();
    if (accepted.length >= perSecond) return { status: 429, headers: { 'retry-after': '1' } };
    accepted.push(request.at);
    return then(request, n);
  };
}

/** Down (503) while `isDown()` says so, up (200) otherwise: an outage the test ends. */
export const downWhile =
  (isDown: () => boolean): Behaviour =>
  () => ({ status: isDown() ? 503 : 200 });

export async function startDestination(behaviour: Behaviour = answer(200)): Promise<DestinationServer> {
  const received: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(request);
      for (const wake of waiters.splice(0)) wake();
      const reply = behaviour(request, received.length);
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      if (reply === 'stall') {
        setTimeout(() => req.socket.destroy(), STALL_MS);
        return;
      }
      const send = () =>
        res
          .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
          .end(reply.body ?? '{}');
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`destination got ${received.length} of ${count} requests in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
