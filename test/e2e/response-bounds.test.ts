// A destination that answers with an endless or huge body cannot make the bridge read it: the real
// local bridge reads at most a few KiB of any answer and closes the connection, so what the
// destination manages to write stays far below the body it tries to send.
import { afterEach, describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import { fixture } from '../support/fixtures';
import { eventually } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';
import { type StreamingDestination, startStreamingDestination } from '../support/streaming-destination';

const HMAC = 'bounds-signing-token-0001';
const BODY_BYTES = 128 * 1024 * 1024;
/** Socket buffers on both sides hold a few MiB whatever the client does; reading the body would
 *  take all of BODY_BYTES. */
const FAR_BELOW = 32 * 1024 * 1024;

/** lambda/core/deliver/attempt.ts MAX_ERROR_CHARS, spelled out so this file also runs against code
 *  without it. */
const MAX_ERROR_CHARS = 300;

const { bridge } = closeAfterEach();
const servers: StreamingDestination[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function deliverTo(status: number, prefix = '') {
  const api = await startStreamingDestination(status, BODY_BYTES, prefix);
  servers.push(api);
  const b = await bridge(
    {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          // A timeout long enough to read the whole body, so only the read limit can stop it.
          destinations: [{ id: 'api', url: api.url, timeoutMs: 120_000, retry: { maxAttempts: 1 } }],
        },
      ],
    },
    { hmac: HMAC },
  );
  const response = await fetch(
    `${b.url}/hooks/runs`,
    signedRequest({ body: fixture('tfe-run-errored'), secret: HMAC }),
  );
  expect(response.status).toBe(202);
  const [attempt] = await eventually(() => {
    const lines = b.logger.withMessage('delivery attempt');
    return lines.length > 0 ? lines : undefined;
  }, 60_000);
  return { api, b, attempt };
}

describe('bounded reads of destination answers', () => {
  it('counts a 2xx with an endless body as delivered without reading the body', async () => {
    const { api, attempt } = await deliverTo(200);
    expect(attempt).toMatchObject({ outcome: 'delivered', status: 200 });
    expect(await api.settled()).toBe(true);
    expect(api.written).toBeLessThan(FAR_BELOW);
  }, 90_000);

  it('reads only the start of a huge error body, and keeps a short error', async () => {
    const { api, b, attempt } = await deliverTo(500, 'upstream exploded: ');
    // One attempt allowed: the line says what became of it.
    expect(attempt).toMatchObject({ outcome: 'dead-lettered', status: 500 });
    expect(await api.settled()).toBe(true);
    expect(api.written).toBeLessThan(FAR_BELOW);
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({ reason: 'exhausted', lastStatus: 500 });
    expect(letter?.lastError).toMatch(/^HTTP 500: upstream exploded: x+…$/);
    expect(letter?.lastError.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
  }, 90_000);
});
