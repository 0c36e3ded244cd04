// OAuth2 client credentials end to end: the real local bridge gets its tokens from a real OAuth2
// server (oauth2-mock-server) and delivers to a real destination that accepts only tokens that
// server issued (and not revoked). Token requests are counted; logs, dead letters and every file
// the bridge wrote are searched for the client secret and the tokens.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import type { Behaviour } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { startOAuth2Server, type TestOAuth2Server } from '../support/oauth2-server';
import { signedRequest } from '../support/signed-request';

const HMAC = 'oauth2-destinations-signing-token';
const CLIENT_ID = 'tfe-bridge-client';
const CLIENT_SECRET = 'oauth2-client-secret-3a3a3a3a3a3a';
const ROTATED_SECRET = 'oauth2-client-secret-rotated-4b4b4b';
const PAYLOADS = ['tfe-run-errored', 'tfe-run-completed-captured', 'tfe-run-planning-captured'];

const { destination, bridge: startBridge } = closeAfterEach();
const servers: TestOAuth2Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function oauth2Server(): Promise<TestOAuth2Server> {
  const server = await startOAuth2Server({ id: CLIENT_ID, secret: CLIENT_SECRET });
  servers.push(server);
  return server;
}

/** 200 for a token the server issued and the test did not revoke, 401 otherwise. */
const requireIssuedToken =
  (server: TestOAuth2Server, revoked: Set<string>): Behaviour =>
  (request) => {
    const token = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1] ?? '';
    return { status: server.issued.includes(token) && !revoked.has(token) ? 200 : 401 };
  };

async function bridge(
  server: TestOAuth2Server,
  apiUrl: string,
  auth: Record<string, unknown> = {},
  retry = 1,
) {
  return startBridge(
    {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [
            {
              id: 'api',
              url: `${apiUrl}/events`,
              auth: {
                type: 'oauth2',
                tokenUrl: server.tokenUrl,
                clientId: CLIENT_ID,
                clientSecret: { secretId: 'oauth' },
                ...auth,
              },
              retry: { maxAttempts: retry, baseDelayMs: 10, maxDelayMs: 10 },
              ordering: 'destination',
            },
          ],
        },
      ],
    },
    { hmac: HMAC, oauth: CLIENT_SECRET },
  );
}

const post = async (b: TestBridge, name: string) =>
  expect(
    (await fetch(`${b.url}/hooks/runs`, signedRequest({ body: fixture(name), secret: HMAC }))).status,
  ).toBe(202);

const delivered = (b: TestBridge) => b.logger.entries.filter((e) => e.outcome === 'delivered').length;
const waitDelivered = (b: TestBridge, count: number) =>
  eventually(() => (delivered(b) >= count ? true : undefined));

/** Everything the bridge wrote to its directory and logged, except the secrets file it was given. */
function everythingWritten(b: TestBridge): string {
  const read = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return read(path);
      return path === b.secretsPath ? [] : [readFileSync(path, 'latin1')];
    });
  return [...read(b.dir), b.logger.text(), JSON.stringify(b.deadLetters())].join('\n');
}

describe('oauth2 destinations, end to end', () => {
  it('fetches one token (HTTP Basic, with scope, audience and extra parameters) for every delivery', async () => {
    const server = await oauth2Server();
    const api = await destination(requireIssuedToken(server, new Set()));
    const b = await bridge(server, api.url, {
      scope: 'events:write',
      audience: 'https://api.example',
      extraParams: { resource: 'urn:events' },
    });
    for (const name of PAYLOADS) await post(b, name);
    await waitDelivered(b, 3);
    expect(api.received).toHaveLength(3);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request).toMatchObject({ clientAuth: 'basic', clientId: CLIENT_ID, status: 200 });
    expect(request?.form).toEqual({
      grant_type: 'client_credentials',
      scope: 'events:write',
      audience: 'https://api.example',
      resource: 'urn:events',
    });
    const token = server.issued[0] ?? '';
    expect(api.received.map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${token}`));
    const written = everythingWritten(b);
    expect(written).not.toContain(token);
    expect(written).not.toContain(CLIENT_SECRET);
  });

  it('fetches a new token once the first one expires mid-stream', async () => {
    const server = await oauth2Server();
    server.expiresIn = 1;
    const api = await destination(requireIssuedToken(server, new Set()));
    const b = await bridge(server, api.url, { clientAuth: 'post' });
    await post(b, 'tfe-run-errored');
    await waitDelivered(b, 1);
    expect(server.requests).toHaveLength(1);
    // Past the first token's lifetime (1 s): the next delivery needs a new one.
    const expired = Date.now() + 1_100;
    await eventually(() => (Date.now() > expired ? true : undefined));
    server.expiresIn = 3600;
    await post(b, 'tfe-run-completed-captured');
    await post(b, 'tfe-run-planning-captured');
    await waitDelivered(b, 3);
    expect(server.requests).toHaveLength(2);
    expect(server.requests.map((r) => r.clientAuth)).toEqual(['post', 'post']);
    const [first, second] = server.issued;
    expect(api.received.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${first}`,
      `Bearer ${second}`,
      `Bearer ${second}`,
    ]);
  });

  it('fetches a new token once when the destination answers 401, and delivers', async () => {
    const server = await oauth2Server();
    const revoked = new Set<string>();
    const api = await destination(requireIssuedToken(server, revoked));
    const b = await bridge(server, api.url);
    await post(b, 'tfe-run-errored');
    await waitDelivered(b, 1);
    revoked.add(server.issued[0] ?? '');
    await post(b, 'tfe-run-completed-captured');
    await waitDelivered(b, 2);
    expect(server.requests).toHaveLength(2);
    expect(api.received.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${server.issued[0]}`,
      `Bearer ${server.issued[0]}`,
      `Bearer ${server.issued[1]}`,
    ]);
    expect(
      b.logger.withMessage('destination answered 401: secrets read again, request sent once more'),
    ).toHaveLength(1);
    expect(b.deadLetters()).toEqual([]);
  });

  it('picks up a rotated client secret when the old one is refused', async () => {
    const server = await oauth2Server();
    server.expiresIn = 1;
    const api = await destination(requireIssuedToken(server, new Set()));
    const b = await bridge(server, api.url);
    await post(b, 'tfe-run-errored');
    await waitDelivered(b, 1);
    // The secret is rotated on the server and in the secrets file while the bridge holds the old
    // one in its cache; the token expires meanwhile.
    server.client = { id: CLIENT_ID, secret: ROTATED_SECRET };
    b.writeSecrets({ hmac: HMAC, oauth: ROTATED_SECRET });
    const expired = Date.now() + 1_100;
    await eventually(() => (Date.now() > expired ? true : undefined));
    await post(b, 'tfe-run-completed-captured');
    await waitDelivered(b, 2);
    expect(server.requests.map((r) => [r.clientSecret === ROTATED_SECRET, r.status])).toEqual([
      [false, 200],
      [false, 401],
      [true, 200],
    ]);
    expect(b.deadLetters()).toEqual([]);
    expect(everythingWritten(b)).not.toContain(ROTATED_SECRET);
  });

  it('dead-letters with reason auth_failed when the token endpoint refuses the client, quoting its error, never the secret', async () => {
    const server = await oauth2Server();
    server.client = { id: CLIENT_ID, secret: 'not-what-the-bridge-has' };
    // A careless server that echoes the secret it got: the bridge must still not repeat it.
    server.echoSecretInError = true;
    const api = await destination();
    const b = await bridge(server, api.url, { clientAuth: 'post' }, 5);
    await post(b, 'tfe-run-errored');
    await eventually(() => (b.deadLetters().length === 1 ? true : undefined));
    const [letter] = b.deadLetters();
    expect(letter?.reason).toBe('auth_failed');
    expect(letter?.attempts).toBe(1);
    expect(letter?.lastError).toContain(`token endpoint ${server.tokenUrl} refused the token request`);
    expect(letter?.lastError).toContain(
      'HTTP 400 invalid_client: "Client authentication failed (got secret ***)"',
    );
    const [line] = b.logger.withMessage('delivery attempt');
    expect(line).toMatchObject({ outcome: 'dead-lettered', error: letter?.lastError });
    // Refused once, read again (it may have been rotated), refused again: no more.
    expect(server.requests.map((r) => r.status)).toEqual([400, 400]);
    expect(api.received).toEqual([]);
    expect(everythingWritten(b)).not.toContain(CLIENT_SECRET);
  });

  it('retries a delivery while the token endpoint answers 500', async () => {
    const server = await oauth2Server();
    server.failWith = 500;
    const api = await destination(requireIssuedToken(server, new Set()));
    const b = await bridge(server, api.url, {}, 5);
    await post(b, 'tfe-run-errored');
    await eventually(() => (b.logger.entries.some((e) => e.outcome === 'retry') ? true : undefined));
    server.failWith = undefined;
    await waitDelivered(b, 1);
    const [retried] = b.logger.entries.filter((e) => e.outcome === 'retry');
    expect(retried?.error).toContain(`token endpoint ${server.tokenUrl} answered HTTP 500 server_error`);
    expect(api.received).toHaveLength(1);
    expect(b.deadLetters()).toEqual([]);
  });
});
