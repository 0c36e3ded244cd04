// Mutual TLS end to end in local mode: a destination that requires a client certificate from its
// own CA gets deliveries with the certificate the config's secrets hold; a certificate it does not
// trust ends in retries and a dead letter (nothing received), and the key never reaches a log.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures';
import { eventually, startTestBridge, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'mtls-signing-token';
const pem = (name: string) => readFileSync(new URL(`../support/tls/${name}`, import.meta.url), 'utf8');

interface Received {
  clientCn: string;
  body: string;
}

async function startMtlsDestination(): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server: Server = createServer(
    {
      key: pem('server.key'),
      cert: pem('server.pem'),
      ca: pem('ca.pem'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const peer = (request.socket as TLSSocket).getPeerCertificate();
        received.push({
          clientCn: String(peer.subject?.CN ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function setup(client: 'client' | 'stranger') {
  const api = await startMtlsDestination();
  open.push(api);
  const bridge = await startTestBridge(
    {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          destinations: [
            {
              id: 'secure',
              url: api.url,
              tls: {
                cert: { secretId: 'mtls', jsonKey: 'cert' },
                key: { secretId: 'mtls', jsonKey: 'key' },
                ca: { secretId: 'mtls', jsonKey: 'ca' },
              },
              retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
            },
          ],
        },
      ],
    },
    { hmac: HMAC, mtls: { cert: pem(`${client}.pem`), key: pem(`${client}.key`), ca: pem('ca.pem') } },
  );
  open.push({ close: async () => void (await bridge.close(1_000)) });
  return { api, bridge };
}

const body = fixture('tfe-run-errored');
const post = (bridge: TestBridge) => fetch(`${bridge.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));
const KEY_LINE = (name: string) => pem(name).split('\n')[1] ?? '';

describe('mutual TLS, local bridge end to end', () => {
  it('presents the configured client certificate and trusts the configured CA', async () => {
    const { api, bridge } = await setup('client');
    expect((await post(bridge)).status).toBe(202);
    await eventually(() => (api.received.length > 0 ? true : undefined));
    expect(api.received).toEqual([{ clientCn: 'tfe-bridge test client', body }]);
    const attempts = await eventually(() => {
      const lines = bridge.logger.withMessage('delivery attempt');
      return lines.length > 0 ? lines : undefined;
    });
    expect(attempts.map((line) => line.outcome)).toEqual(['delivered']);
    expect(bridge.logger.text()).not.toContain(KEY_LINE('client.key'));
  });

  it('retries a certificate the server refuses, then dead-letters it with the network error', async () => {
    const { api, bridge } = await setup('stranger');
    expect((await post(bridge)).status).toBe(202);
    const [letter] = await eventually(() => {
      const letters = bridge.deadLetters();
      return letters.length > 0 ? letters : undefined;
    }, 30_000);
    expect(letter).toMatchObject({ reason: 'exhausted', attempts: 2, lastStatus: null });
    expect(letter?.lastError).toMatch(/^network error: /);
    expect(api.received).toEqual([]);
    expect(JSON.stringify(letter) + bridge.logger.text()).not.toContain(KEY_LINE('stranger.key'));
  });
});
