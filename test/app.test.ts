import { describe, expect, it } from 'vitest';
import { createApp } from '../lambda/app';
import { parseConfig } from '../lambda/core/config/parse';
import type { DeliveryJob } from '../lambda/core/contract';
import type { JobQueue } from '../lambda/core/ports';
import { HCP_SIGNATURE_HEADER, signBody } from '../lambda/core/receive/signature';
import { CaptureLogger } from './support/capture-logger';
import { fixture } from './support/fixtures';
import { MemorySecretStore } from './support/memory-secret-store';
import { signedRequest } from './support/signed-request';

const SECRET = 'route-signing-token-1234';

class RecordingQueue implements JobQueue {
  readonly jobs: DeliveryJob[] = [];
  failing = false;
  async enqueue(jobs: readonly DeliveryJob[]) {
    if (this.failing) throw new Error('queue down');
    this.jobs.push(...jobs);
  }
}

function setup() {
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        destinations: [
          { id: 'errors', url: 'https://a.example', filter: { triggers: ['run:errored'] } },
          { id: 'everything', url: 'https://b.example' },
        ],
      },
      { id: 'open', allowUnsigned: true, destinations: [{ id: 'x', url: 'https://x.example' }] },
      {
        id: 'secretless',
        signingSecret: { secretId: 'missing' },
        destinations: [{ id: 'x', url: 'https://x.example' }],
      },
    ],
  });
  const queue = new RecordingQueue();
  const logger = new CaptureLogger();
  const app = createApp({
    config,
    secrets: new MemorySecretStore({ hmac: SECRET }),
    queue,
    logger,
    now: () => new Date('2026-11-24T12:00:00Z'),
  });
  return { app, queue, logger };
}

describe('POST /hooks/:routeId', () => {
  it('accepts a signed run notification and queues one job per matching destination', async () => {
    const { app, queue } = setup();
    const body = fixture('tfe-run-errored');
    const res = await app.request('/hooks/runs', signedRequest({ body, secret: SECRET }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: ['errors', 'everything'] });
    expect(queue.jobs.map((job) => [job.routeId, job.destinationId, job.body === body, job.kind])).toEqual([
      ['runs', 'errors', true, 'run'],
      ['runs', 'everything', true, 'run'],
    ]);
    expect(queue.jobs[0]?.receivedAt).toBe('2026-11-24T12:00:00.000Z');
  });

  it('answers 202 with an empty list when no filter matches', async () => {
    const { queue } = setup();
    const config = parseConfig({
      routes: [
        {
          id: 'r',
          allowUnsigned: true,
          destinations: [{ id: 'x', url: 'https://x.example', filter: { kinds: ['hcp-event'] } }],
        },
      ],
    });
    const filtered = createApp({
      config,
      secrets: new MemorySecretStore(),
      queue,
      logger: new CaptureLogger(),
    });
    const res = await filtered.request('/hooks/r', signedRequest({ body: fixture('tfe-run-planned') }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: [] });
    expect(queue.jobs).toHaveLength(0);
  });

  it.each(['tfe-verification', 'tfe-verification-captured', 'hcp-verification'])(
    'answers a signed %s with 200 verified and queues nothing',
    async (name) => {
      const { app, queue } = setup();
      const res = await app.request(
        '/hooks/runs',
        signedRequest({ body: fixture(name), secret: SECRET, header: HCP_SIGNATURE_HEADER }),
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'verified' });
      expect(queue.jobs).toHaveLength(0);
    },
  );

  it('answers verification with 200 even when the queue is down (no destination is involved)', async () => {
    const { app, queue } = setup();
    queue.failing = true;
    const res = await app.request(
      '/hooks/runs',
      signedRequest({ body: fixture('tfe-verification'), secret: SECRET }),
    );
    expect(res.status).toBe(200);
  });

  it.each([
    ['no signature header', { secret: undefined }, 'missing signature header'],
    [
      'a signature made with another token',
      { secret: 'wrong-token' },
      'signature does not match the route signing secret',
    ],
    [
      'an empty signature header (no token set in HCP Terraform)',
      { headers: { 'x-tfe-notification-signature': '' } },
      'empty signature header',
    ],
  ])('answers 401 to a verification request with %s', async (_case, options, message) => {
    const { app } = setup();
    const res = await app.request(
      '/hooks/runs',
      signedRequest({ body: fixture('tfe-verification'), secret: SECRET, ...options }),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: 'invalid_signature',
      message: expect.stringContaining(message),
    });
  });

  it('answers 401 when the body was changed after signing', async () => {
    const { app, queue } = setup();
    const init = signedRequest({ body: fixture('tfe-run-errored'), secret: SECRET });
    const res = await app.request('/hooks/runs', {
      ...init,
      body: fixture('tfe-run-errored').replace('canceled', 'applied'),
    });
    expect(res.status).toBe(401);
    expect(queue.jobs).toHaveLength(0);
  });

  it('answers 404 with a JSON body for an unknown route', async () => {
    const { app } = setup();
    const res = await app.request('/hooks/nope', signedRequest({ body: '{}', secret: SECRET }));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'route_not_found', message: 'no route with id "nope"' });
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const { app } = setup();
    const body = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    const res = await app.request('/hooks/runs', signedRequest({ body, secret: SECRET }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 413 when the body is larger than its Content-Length claims (Lambda passes the whole body)', async () => {
    const { app, queue } = setup();
    const body = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    const init = signedRequest({ body, secret: SECRET, headers: { 'content-length': '100' } });
    const res = await app.request('/hooks/runs', init);
    expect(res.status).toBe(413);
    expect(queue.jobs).toHaveLength(0);
  });

  it.each([
    ['not JSON', 'hello', 'body is not valid JSON'],
    ['a JSON array', '[1]', 'body must be a JSON object'],
    ['a JSON string', '"x"', 'body must be a JSON object'],
  ])('answers 400 to a signed body that is %s', async (_case, body, message) => {
    const { app } = setup();
    const res = await app.request('/hooks/runs', signedRequest({ body, secret: SECRET }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_payload', message });
  });

  it('answers 400 to bytes that are not UTF-8', async () => {
    const { app } = setup();
    const bytes = new Uint8Array([0x7b, 0xff, 0x7d]);
    const res = await app.request('/hooks/runs', {
      method: 'POST',
      body: bytes,
      headers: {
        'content-type': 'application/json',
        'x-tfe-notification-signature': signBody(bytes, SECRET),
      },
    });
    expect(res.status).toBe(400);
  });

  it.each([null, 'text/plain', 'application/x-www-form-urlencoded'])(
    'answers 415 to Content-Type %s',
    async (contentType) => {
      const { app } = setup();
      const res = await app.request(
        '/hooks/runs',
        signedRequest({ body: fixture('tfe-run-errored'), secret: SECRET, contentType }),
      );
      expect(res.status).toBe(415);
    },
  );

  it('accepts unsigned requests on a route with allowUnsigned', async () => {
    const { app } = setup();
    const res = await app.request('/hooks/open', signedRequest({ body: fixture('tfe-run-errored') }));
    expect(res.status).toBe(202);
  });

  it('answers 503 when the queue refuses the jobs, so the sender knows nothing was stored', async () => {
    const { app, queue, logger } = setup();
    queue.failing = true;
    const res = await app.request(
      '/hooks/runs',
      signedRequest({ body: fixture('tfe-run-errored'), secret: SECRET }),
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: 'queue_unavailable',
      message: 'the delivery queue did not accept the notification',
    });
    expect(logger.withMessage('request failed')[0]).toMatchObject({ cause: 'queue down' });
  });

  it('answers 503 without naming the secret when the signing secret cannot be read', async () => {
    const { app } = setup();
    const res = await app.request('/hooks/secretless', signedRequest({ body: '{}', secret: SECRET }));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: 'secret_unavailable',
      message: 'signing secret unavailable, try again later',
    });
  });

  it('logs one line per request without the signature or the secret', async () => {
    const { app, logger } = setup();
    const init = signedRequest({ body: fixture('tfe-run-errored'), secret: SECRET });
    await app.request('/hooks/runs', init);
    expect(logger.withMessage('request')).toEqual([
      expect.objectContaining({
        route: 'runs',
        status: 202,
        result: 'accepted',
        kind: 'run',
        trigger: 'run:errored',
      }),
    ]);
    const signature = (init.headers as Record<string, string>)['x-tfe-notification-signature'] ?? '';
    expect(logger.text()).not.toContain(signature);
    expect(logger.text()).not.toContain(SECRET);
  });
});

describe('other paths', () => {
  it('answers GET /healthz with 200', async () => {
    const res = await setup().app.request('/healthz');
    expect(res.status).toBe(200);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await setup().app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });
});
