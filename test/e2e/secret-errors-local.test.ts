// A secret the bridge can read but not use is a mistake in the config or the secret, not an
// outage: the real local bridge dead-letters the job as `permanent` on its first attempt, never
// contacts the destination, and never opens its circuit. A secret that is missing is tried again,
// and the secrets file is read again, so adding it fixes the next attempt.
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'secret-errors-signing-token';
const TOKEN = 'secret-errors-bearer-token-0123456789';

const { destination, bridge: startBridge } = closeAfterEach();

async function bridge(
  destination: Record<string, unknown>,
  secrets: Record<string, unknown>,
): Promise<TestBridge> {
  return startBridge(
    {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [{ id: 'api', ...destination }],
        },
      ],
    },
    { hmac: HMAC, ...secrets },
  );
}

let sequence = 0;
const post = (b: TestBridge) => {
  const run = JSON.parse(fixture('tfe-run-errored')) as Record<string, unknown>;
  const body = JSON.stringify({ ...run, run_message: `notification ${sequence++}` });
  return fetch(`${b.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));
};

const FAST = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 };

describe('secret errors in local deliveries', () => {
  it.each([
    [
      'a jsonKey on a plain-string secret',
      { secretId: 'token', jsonKey: 'token' },
      { token: TOKEN },
      /is not JSON/,
    ],
    [
      'a missing key of a JSON secret',
      { secretId: 'token', jsonKey: 'bearer' },
      { token: { other: TOKEN } },
      /has no string key "bearer"/,
    ],
    [
      'a JSON secret without jsonKey',
      { secretId: 'token' },
      { token: { token: TOKEN } },
      /holds JSON: set jsonKey/,
    ],
  ])(
    'dead-letters %s as permanent on the first attempt, without an outage',
    async (_case, secret, secrets, error) => {
      const api = await destination();
      const b = await bridge(
        {
          url: api.url,
          auth: { type: 'bearer', secret },
          retry: FAST,
          circuitBreaker: { failures: 2, coolDownMs: 60_000 },
        },
        secrets,
      );
      for (let i = 0; i < 3; i++) expect((await post(b)).status).toBe(202);
      const letters = await eventually(() => (b.deadLetters().length === 3 ? b.deadLetters() : undefined));
      for (const letter of letters) {
        expect(letter).toMatchObject({ reason: 'permanent', attempts: 1, lastStatus: null });
        expect(letter.lastError).toMatch(error);
      }
      expect(api.received).toEqual([]);
      expect(b.logger.withMessage('circuit opened')).toEqual([]);
      expect(b.logger.text()).not.toContain(TOKEN);
    },
  );

  it('dead-letters a secret URL with credentials as permanent, without printing them', async () => {
    const api = await destination();
    const b = await bridge(
      { url: { secret: { secretId: 'hook' } }, retry: FAST },
      { hook: `${api.url.replace('//', '//svc:hunter2-password@')}/services/T0/B0/abcdefgh` },
    );
    expect((await post(b)).status).toBe(202);
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({
      reason: 'permanent',
      attempts: 1,
      lastError:
        'destination URL (from secret "hook") must not contain credentials (user:password@): use auth: { type: basic } with a secret',
    });
    expect(api.received).toEqual([]);
    expect(`${b.logger.text()}${JSON.stringify(b.deadLetters())}`).not.toContain('hunter2');
  });

  it('dead-letters a token no header can carry (a trailing newline) as permanent, naming the header, not the value', async () => {
    const api = await destination();
    const b = await bridge(
      { url: api.url, auth: { type: 'bearer', secret: { secretId: 'token' } }, retry: FAST },
      { token: `${TOKEN}\n` },
    );
    expect((await post(b)).status).toBe(202);
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({ reason: 'permanent', attempts: 1 });
    expect(letter?.lastError).toMatch(/^header "authorization" cannot be sent: its value has a line break/);
    expect(api.received).toEqual([]);
    expect(`${b.logger.text()}${JSON.stringify(b.deadLetters())}`).not.toContain(TOKEN);
  });

  it('retries a secret missing from the secrets file, and delivers once it is added', async () => {
    const api = await destination();
    const b = await bridge(
      {
        url: api.url,
        auth: { type: 'bearer', secret: { secretId: 'token' } },
        retry: { maxAttempts: 50, baseDelayMs: 20, maxDelayMs: 20 },
      },
      {},
    );
    expect((await post(b)).status).toBe(202);
    await eventually(() => (b.logger.withMessage('delivery attempt').length > 0 ? true : undefined));
    expect(b.logger.withMessage('delivery attempt')[0]).toMatchObject({
      outcome: 'retry',
      error: expect.stringMatching(/^secret "token" not found in /),
    });
    b.writeSecrets({ hmac: HMAC, token: TOKEN });
    const [received] = await api.waitFor(1);
    expect(received?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(b.deadLetters()).toEqual([]);
  });
});
