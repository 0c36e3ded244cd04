// The cold-start benchmark's "over TLS" rows reach the AWS fakes through this proxy: it must speak
// TLS with a certificate the test CA vouches for, pass requests and answers through unchanged, and
// make a first call on a new connection wait at least three round trips (TCP, TLS, the request).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Agent, request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listenLocal } from '../../bench/servers/bench-server';
import { startTlsLatencyProxy, TEST_CA_PATH, type TlsLatencyProxy } from '../../bench/tls-latency-proxy';

const ROUND_TRIP_MS = 40;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function post(url: string, body: string, agent: Agent, ca?: Buffer) {
  return new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', agent, ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - started }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function echoBehindProxy(): Promise<TlsLatencyProxy> {
  const upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => res.writeHead(200).end(`${req.method} ${req.url} ${body}`));
  });
  const upstreamUrl = await listenLocal(upstream);
  closers.push(() => closeServer(upstream));
  const proxy = await startTlsLatencyProxy(upstreamUrl, ROUND_TRIP_MS);
  closers.push(() => proxy.close());
  return proxy;
}

describe('startTlsLatencyProxy', () => {
  it('answers over TLS as the plain server does, a first call after three round trips, the next after one', async () => {
    const proxy = await echoBehindProxy();
    expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ keepAlive: true });
    closers.push(async () => agent.destroy());
    const ca = readFileSync(TEST_CA_PATH);

    const first = await post(`${proxy.url}/queue?x=1`, 'hello', agent, ca);
    expect(first).toMatchObject({ status: 200, body: 'POST /queue?x=1 hello' });
    // Timers never fire early: TCP's round trip, TLS 1.3's, then the request's.
    expect(first.ms).toBeGreaterThanOrEqual(3 * ROUND_TRIP_MS - 1);

    const second = await post(`${proxy.url}/again`, 'more', agent, ca);
    expect(second).toMatchObject({ status: 200, body: 'POST /again more' });
    expect(second.ms).toBeGreaterThanOrEqual(ROUND_TRIP_MS - 1);
  });

  it('is refused by a client that does not trust the test CA', async () => {
    const proxy = await echoBehindProxy();
    const agent = new Agent({ keepAlive: false });
    await expect(post(proxy.url, 'x', agent)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
  });
});
