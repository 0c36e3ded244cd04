// Signed deliveries end to end: the real local bridge delivers to real destination servers on
// 127.0.0.1 that verify every request with the Standard Webhooks reference verifier, or with an
// HMAC computed here, over the bytes that arrived, and refuse (401) what does not verify.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import type { Behaviour, ReceivedRequest } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'signed-deliveries-signing-token';
const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const TOKEN = 'bearer-token-beside-the-signature';
const GITHUB_KEY = 'github-style-webhook-key-7f7f';

const { destination, bridge: startBridge } = closeAfterEach();

const bridge = (destinations: unknown[], secrets: Record<string, unknown>): Promise<TestBridge> =>
  startBridge(
    { routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations }] },
    { hmac: HMAC, ...secrets },
  );

const post = (b: TestBridge, body: string) =>
  fetch(`${b.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));

/** Waits until `count` attempts were logged as delivered. */
const deliveredCount = (b: TestBridge, count: number) =>
  eventually(() =>
    b.logger.entries.filter((l) => l.outcome === 'delivered').length >= count ? true : undefined,
  );

const headersOf = (request: ReceivedRequest) =>
  Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));

/** 200 when the reference verifier accepts the request with `secret()`, 401 otherwise. */
const verifyStandard =
  (secret: () => string): Behaviour =>
  (request) => {
    try {
      new Webhook(secret()).verify(request.body, headersOf(request));
      return { status: 200 };
    } catch {
      return { status: 401 };
    }
  };

/** 200 when X-Hub-Signature-256 is `sha256=` + hex HMAC-SHA256 of the body with `key`. */
const verifyGithub =
  (key: string): Behaviour =>
  (request) => {
    const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(request.body).digest('hex')}`);
    const given = Buffer.from(String(request.headers['x-hub-signature-256'] ?? ''));
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    return { status: ok ? 200 : 401 };
  };

describe('signed deliveries, end to end', () => {
  it('delivers a Standard Webhooks request, beside bearer auth, that the reference verifier accepts on every attempt', async () => {
    const secret = whsec();
    const verify = verifyStandard(() => secret);
    // The first attempt is answered 503 after verifying: the retry must verify too.
    const api = await destination((request, n) => {
      const verified = verify(request, n);
      return n === 1 && verified !== 'hang' && typeof verified === 'object' && verified.status === 200
        ? { status: 503 }
        : verified;
    });
    const b = await bridge(
      [
        {
          id: 'api',
          url: `${api.url}/hook`,
          auth: { type: 'bearer', secret: { secretId: 'token' } },
          sign: { scheme: 'standard-webhooks', secret: { secretId: 'whsec' } },
          retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 },
        },
      ],
      { whsec: secret, token: TOKEN },
    );
    expect((await post(b, fixture('tfe-run-errored'))).status).toBe(202);
    const [first, second] = await api.waitFor(2);
    await deliveredCount(b, 1);
    for (const request of [first, second]) {
      expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(new Webhook(secret).verify(request?.body ?? '', headersOf(request as ReceivedRequest))).toEqual(
        JSON.parse(fixture('tfe-run-errored')),
      );
    }
    // The same id (the idempotency key) on the retry, so the receiver can dedupe.
    expect(second?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
    expect(first?.headers['webhook-id']).toBe(first?.headers['idempotency-key']);
    expect(b.deadLetters()).toEqual([]);
  });

  it('signs with both secrets during a rotation, and re-reads a rotated secret after a 401', async () => {
    const [oldSecret, newSecret] = [whsec(), whsec()];
    let receiverSecret = oldSecret;
    const api = await destination(verifyStandard(() => receiverSecret));
    const b = await bridge(
      [
        {
          id: 'api',
          url: `${api.url}/hook`,
          sign: { scheme: 'standard-webhooks', secret: [{ secretId: 'new' }, { secretId: 'old' }] },
          retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 },
        },
      ],
      { new: newSecret, old: oldSecret },
    );
    expect((await post(b, fixture('tfe-run-errored'))).status).toBe(202);
    const [first] = await api.waitFor(1);
    expect(first?.headers['webhook-signature']?.toString().split(' ')).toHaveLength(2);
    // The receiver moves to the new secret; the bridge still signs with both: delivered.
    receiverSecret = newSecret;
    expect((await post(b, fixture('tfe-run-completed-captured'))).status).toBe(202);
    await api.waitFor(2);
    await deliveredCount(b, 2);
    // A third secret on the receiver only: the bridge's signature is refused (401), it reads its
    // secrets again (now rotated in the file) and the second try verifies.
    const third = whsec();
    receiverSecret = third;
    b.writeSecrets({ hmac: HMAC, new: third, old: newSecret });
    expect((await post(b, fixture('tfe-run-planning-captured'))).status).toBe(202);
    await deliveredCount(b, 3);
    expect(api.received).toHaveLength(4);
    expect(
      b.logger.withMessage('destination answered 401: secrets read again, request sent once more'),
    ).toHaveLength(1);
    expect(b.deadLetters()).toEqual([]);
  });

  it('delivers a GitHub-style X-Hub-Signature-256 that an independent HMAC verifies', async () => {
    const api = await destination(verifyGithub(GITHUB_KEY));
    const b = await bridge(
      [
        {
          id: 'gh',
          url: `${api.url}/hook`,
          template: { preset: 'slack' },
          sign: {
            scheme: 'hmac',
            header: 'X-Hub-Signature-256',
            prefix: 'sha256=',
            secret: { secretId: 'gh' },
          },
        },
      ],
      { gh: GITHUB_KEY },
    );
    expect((await post(b, fixture('tfe-run-errored'))).status).toBe(202);
    const [received] = await api.waitFor(1);
    await deliveredCount(b, 1);
    expect(JSON.parse(received?.body ?? '{}').text).toContain('Run Canceled');
    const logs = b.logger.text();
    expect(logs).not.toContain(GITHUB_KEY);
  });

  it('dead-letters a delivery whose signing secret is not in the whsec_ form, naming the secret and not its value', async () => {
    const api = await destination();
    const notWhsec = randomBytes(32).toString('base64');
    const b = await bridge(
      [
        {
          id: 'api',
          url: `${api.url}/hook`,
          sign: { scheme: 'standard-webhooks', secret: { secretId: 'whsec' } },
        },
      ],
      { whsec: notWhsec },
    );
    expect((await post(b, fixture('tfe-run-errored'))).status).toBe(202);
    await eventually(() => (b.deadLetters().length === 1 ? true : undefined));
    const [letter] = b.deadLetters();
    expect(letter?.reason).toBe('permanent');
    expect(letter?.lastError).toContain('signing secret "whsec" is not a Standard Webhooks secret');
    expect(api.received).toEqual([]);
    expect(`${JSON.stringify(letter)}${b.logger.text()}`).not.toContain(notWhsec);
  });
});
