// End to end on one machine: signed HTTP requests to the bridge on a real port, deliveries to
// real destination servers on 127.0.0.1, dead letters in a real file.
import { describe, expect, it } from 'vitest';
import { HCP_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { closeAfterEach } from '../support/closed-after-each';
import { answer, failTimes, hang, requireBearer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'e2e-signing-token-0001';
const TOKEN = 'bfa620013597e9c30c179037ad74527a4956a561';
const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

const { destination, bridge: startBridge } = closeAfterEach();

async function bridge(destinations: unknown[], secrets: Record<string, unknown> = {}): Promise<TestBridge> {
  return startBridge(
    { routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations }] },
    { hmac: HMAC, token: TOKEN, ...secrets },
  );
}

const post = (b: TestBridge, body: string, secret: string | undefined = HMAC, header?: string) =>
  fetch(
    `${b.url}/hooks/runs`,
    signedRequest({ body, ...(secret ? { secret } : {}), ...(header ? { header } : {}) }),
  );

describe('local bridge, end to end', () => {
  it('forwards the exact captured bytes with the bearer token the destination requires (the forum post)', async () => {
    const api = await destination(requireBearer(() => TOKEN));
    const b = await bridge([
      {
        id: 'callback',
        url: `${api.url}/v1/api/callback/1122334455/callback`,
        auth: { type: 'bearer', secret: { secretId: 'token' } },
      },
    ]);
    const body = fixture('tfe-run-completed-captured');

    const res = await post(b, body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: ['callback'] });

    const [received] = await api.waitFor(1);
    expect(received?.path).toBe('/v1/api/callback/1122334455/callback');
    expect(received?.body).toBe(body);
    expect(received?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(received?.headers['content-type']).toBe('application/json');
    const attempts = await eventually(() => {
      const lines = b.logger.withMessage('delivery attempt');
      return lines.length > 0 ? lines : undefined;
    });
    expect(attempts).toEqual([
      expect.objectContaining({ destination: 'callback', attempt: 1, outcome: 'delivered', status: 200 }),
    ]);
  });

  it('answers a verification with 200 while every destination is down, and sends nothing', async () => {
    const api = await destination(answer(500));
    const b = await bridge([{ id: 'down', url: api.url }]);
    const res = await post(b, fixture('hcp-verification'), HMAC, HCP_SIGNATURE_HEADER);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'verified' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.received).toHaveLength(0);
  });

  it.each([
    ['with Content-Length', (body: string) => body],
    ['streamed without Content-Length', (body: string) => new Blob([body]).stream()],
  ])('answers 413 to a body over 1 MiB sent %s, over real HTTP', async (_case, wrap) => {
    const api = await destination();
    const b = await bridge([{ id: 'a', url: api.url }]);
    const body = JSON.stringify({ pad: 'x'.repeat(1024 * 1024) });
    const init = signedRequest({ body, secret: HMAC });
    const res = await fetch(`${b.url}/hooks/runs`, {
      ...init,
      body: wrap(body),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 401 to a verification signed with the wrong token, so a bad setup shows at once', async () => {
    const api = await destination();
    const b = await bridge([{ id: 'a', url: api.url }]);
    const res = await post(b, fixture('tfe-verification-captured'), 'not-the-token');
    expect(res.status).toBe(401);
  });

  it('retries a destination that fails twice, then delivers once', async () => {
    const api = await destination(failTimes(2, 503));
    const b = await bridge([{ id: 'flaky', url: api.url, retry: FAST_RETRY }]);
    await post(b, fixture('tfe-run-errored'));
    await api.waitFor(3);
    const attempts = await eventually(() => {
      const lines = b.logger.withMessage('delivery attempt');
      return lines.length === 3 ? lines : undefined;
    });
    expect(attempts.map((line) => [line.attempt, line.outcome, line.status])).toEqual([
      [1, 'retry', 503],
      [2, 'retry', 503],
      [3, 'delivered', 200],
    ]);
    expect(b.deadLetters()).toEqual([]);
  });

  it('honours Retry-After on a 429', async () => {
    const api = await destination(failTimes(1, 429, { 'retry-after': '1' }));
    const b = await bridge([{ id: 'limited', url: api.url, retry: FAST_RETRY }]);
    await post(b, fixture('tfe-run-errored'));
    const [first, second] = await api.waitFor(2, 5_000);
    // Without Retry-After the backoff would be at most 100 ms.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('dead-letters a job after the last retry, with destination, attempts, status, error and payload', async () => {
    const api = await destination(answer(500));
    const b = await bridge([{ id: 'down', url: api.url, retry: FAST_RETRY }]);
    const body = fixture('tfe-run-planning-captured');
    await post(b, body);
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({
      reason: 'exhausted',
      routeId: 'runs',
      destinationId: 'down',
      attempts: 3,
      lastStatus: 500,
      lastError: 'HTTP 500: {}',
      payload: body,
      kind: 'run',
      triggers: ['run:planning'],
    });
    expect(api.received).toHaveLength(3);
  });

  it('dead-letters a 4xx at once, without retrying', async () => {
    const api = await destination(answer(400));
    const b = await bridge([{ id: 'strict', url: api.url, retry: FAST_RETRY }]);
    await post(b, fixture('tfe-run-errored'));
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({ reason: 'permanent', attempts: 1, lastStatus: 400 });
    expect(api.received).toHaveLength(1);
  });

  it('times out a destination that hangs, retries, and dead-letters it', async () => {
    const api = await destination(hang);
    const b = await bridge([
      {
        id: 'stuck',
        url: api.url,
        timeoutMs: 150,
        retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
      },
    ]);
    await post(b, fixture('tfe-run-errored'));
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({
      reason: 'exhausted',
      attempts: 2,
      lastStatus: null,
      lastError: 'timeout after 150 ms',
    });
  });

  it('dead-letters a network error (nothing listening) after retries', async () => {
    const gone = await startDestination();
    const url = gone.url;
    await gone.close();
    const b = await bridge([{ id: 'gone', url, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } }]);
    await post(b, fixture('tfe-run-errored'));
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter?.lastError).toBe('network error: ECONNREFUSED');
  });

  it('re-reads the token once after a 401 (rotated token) and delivers', async () => {
    let current = 'token-v1-aaaaaaaa';
    const api = await destination(requireBearer(() => current));
    const b = await bridge(
      [
        {
          id: 'rotating',
          url: api.url,
          auth: { type: 'bearer', secret: { secretId: 'rotating' } },
          retry: FAST_RETRY,
        },
      ],
      {
        rotating: 'token-v1-aaaaaaaa',
      },
    );
    current = 'token-v2-bbbbbbbb';
    b.writeSecrets({ hmac: HMAC, rotating: 'token-v2-bbbbbbbb' });
    await post(b, fixture('tfe-run-errored'));
    await api.waitFor(2);
    expect(api.received.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-v1-aaaaaaaa',
      'Bearer token-v2-bbbbbbbb',
    ]);
    const [attempt] = await eventually(() => {
      const lines = b.logger.withMessage('delivery attempt');
      return lines.length > 0 ? lines : undefined;
    });
    expect(attempt).toMatchObject({ attempt: 1, outcome: 'delivered' });
    // The second request of that one attempt is in the logs, before the attempt's line.
    const messages = b.logger.entries.map((e) => e.message);
    expect(
      messages.indexOf('destination answered 401: secrets read again, request sent once more'),
    ).toBeLessThan(messages.indexOf('delivery attempt'));
    expect(
      b.logger.withMessage('destination answered 401: secrets read again, request sent once more'),
    ).toEqual([expect.objectContaining({ level: 'info', destination: 'rotating', jobId: attempt?.jobId })]);
  });

  it('dead-letters as permanent when the token is still refused after re-reading it', async () => {
    const api = await destination(requireBearer(() => 'the-right-token'));
    const b = await bridge([
      {
        id: 'refused',
        url: api.url,
        auth: { type: 'bearer', secret: { secretId: 'token' } },
        retry: FAST_RETRY,
      },
    ]);
    await post(b, fixture('tfe-run-errored'));
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({ reason: 'permanent', attempts: 1, lastStatus: 401 });
    expect(api.received).toHaveLength(2);
    const everything = `${b.logger.text()}\n${JSON.stringify(b.deadLetters())}`;
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(HMAC);
  });

  it('resolves a destination URL kept in a secret (Slack-style) and never logs it', async () => {
    const api = await destination();
    const secretUrl = `${api.url}/services/T000/B000/XXXXSECRETPATH`;
    const b = await bridge([{ id: 'chat', url: { secret: { secretId: 'chat-url' } } }], {
      'chat-url': secretUrl,
    });
    await post(b, fixture('tfe-run-errored'));
    const [received] = await api.waitFor(1);
    expect(received?.path).toBe('/services/T000/B000/XXXXSECRETPATH');
    expect(b.logger.text()).not.toContain('XXXXSECRETPATH');
  });

  it('keeps a down destination from delaying another one', async () => {
    const down = await destination(hang);
    const up = await destination();
    const b = await bridge([
      { id: 'down', url: down.url, timeoutMs: 2_000, retry: FAST_RETRY },
      { id: 'up', url: up.url },
    ]);
    const started = Date.now();
    await post(b, fixture('tfe-run-errored'));
    await up.waitFor(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("delivers one destination's notifications in the order they were accepted", async () => {
    const api = await destination(failTimes(1, 503));
    const b = await bridge([{ id: 'ordered', url: api.url, retry: FAST_RETRY }]);
    const bodies = [
      'tfe-run-created-captured',
      'tfe-run-planning-captured',
      'tfe-run-completed-captured',
    ].map(fixture);
    for (const body of bodies) expect((await post(b, body)).status).toBe(202);
    await api.waitFor(4);
    // The first attempt of the first job failed; the others waited behind its retry.
    expect(api.received.map((r) => r.body)).toEqual([bodies[0], ...bodies]);
  });

  it('never follows a redirect, so the token cannot be sent to another host', async () => {
    const elsewhere = await destination();
    const api = await destination(answer(302, { location: `${elsewhere.url}/steal` }));
    const b = await bridge([
      {
        id: 'moved',
        url: api.url,
        auth: { type: 'bearer', secret: { secretId: 'token' } },
        retry: FAST_RETRY,
      },
    ]);
    await post(b, fixture('tfe-run-errored'));
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({ reason: 'permanent', lastStatus: 302 });
    expect(elsewhere.received).toHaveLength(0);
  });

  it('delivers a body sent twice within the dedup window once, like SQS FIFO', async () => {
    const api = await destination();
    const b = await bridge([{ id: 'once', url: api.url }]);
    const body = fixture('tfe-run-errored');
    expect((await post(b, body)).status).toBe(202);
    expect((await post(b, body)).status).toBe(202);
    await post(b, fixture('tfe-run-planned'));
    await api.waitFor(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.received.map((r) => r.body)).toEqual([body, fixture('tfe-run-planned')]);
  });

  it('on shutdown, keeps what it could not deliver in time, and delivers it on the next start', async () => {
    let up = false;
    const api = await destination(() => ({ status: up ? 200 : 503 }));
    const destinations = [
      { id: 'slow', url: api.url, retry: { maxAttempts: 5, baseDelayMs: 5_000, maxDelayMs: 5_000 } },
    ];
    const b = await bridge(destinations);
    await post(b, fixture('tfe-run-errored'));
    await post(b, fixture('tfe-run-planned'));
    await api.waitFor(1);
    expect(await b.close(500)).toEqual({ pending: 2 });
    expect(b.deadLetters()).toEqual([]);
    const failed = api.received.length;

    up = true;
    const again = await startBridge(
      {
        routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations }],
      },
      { hmac: HMAC },
      { storePath: b.storePath },
    );
    expect(again.logger.withMessage('resuming jobs accepted before the last stop')).toEqual([
      expect.objectContaining({ count: 2 }),
    ]);
    await api.waitFor(failed + 2, 15_000);
    // Two workspaces: two ordering groups, delivered side by side.
    expect(
      api.received
        .slice(failed)
        .map((r) => r.body)
        .sort(),
    ).toEqual([fixture('tfe-run-errored'), fixture('tfe-run-planned')].sort());
  });
});
