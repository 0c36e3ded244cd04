// The receiver benchmark's load generator sends its notifications in turn across all connections:
// a bridge stores a repeated body only once, so a notification sent once per connection (what
// autocannon does with a list of requests) measured the bridge's dedup path instead of its store.
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../bench/load';
import { closeServer, listenLocal } from '../../bench/servers/bench-server';

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => closeServer(server)));
});

async function countingServer() {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      received.set(body, (received.get(body) ?? 0) + 1);
      res.writeHead(202).end();
    });
  });
  servers.push(server);
  return { url: await listenLocal(server), received };
}

describe('runLoad', () => {
  it('sends every notification once before any twice, whatever the number of connections', async () => {
    const { url, received } = await countingServer();
    const notifications = Array.from({ length: 300 }, (_, n) => ({
      body: `{"n":${n}}`,
      headers: { 'content-type': 'application/json' },
    }));
    const result = await runLoad({
      url,
      path: '/hooks/x',
      notifications,
      connections: 10,
      durationS: 1,
      rate: 1_000,
    });

    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(0);
    const counts = notifications.map(({ body }) => received.get(body) ?? 0);
    // In turn: the first `sent` were handed out in order, so none more than once a pass. Sent per
    // connection, the first ones would have gone out up to 10 times while later ones not at all.
    expect(Math.max(...counts)).toBeLessThanOrEqual(Math.ceil(result.sent / notifications.length));
    // Requests in flight when the run ends may never reach the server (one per connection).
    const total = counts.reduce((sum, count) => sum + count, 0);
    expect(total).toBeGreaterThanOrEqual(result.sent - 10);
    expect(total).toBeLessThanOrEqual(result.sent);
  });
});
