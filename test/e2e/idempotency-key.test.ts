// Idempotency-Key end to end in local mode: a real destination that fails the first attempts sees
// the same key on every attempt, and the dead letter and the logs carry that key too.
import { afterEach, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../lambda/core/receive/jobs';
import { answer, type DestinationServer, failTimes, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, startTestBridge, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'idempotency-signing-token';
const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 };

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function setup(
  behaviour: Parameters<typeof startDestination>[0],
  destination: Record<string, unknown> = {},
): Promise<{ api: DestinationServer; bridge: TestBridge }> {
  const api = await startDestination(behaviour);
  open.push(api);
  const bridge = await startTestBridge(
    {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [{ id: 'api', url: api.url, retry: FAST_RETRY, ...destination }],
        },
      ],
    },
    { hmac: HMAC },
  );
  open.push({ close: async () => void (await bridge.close(1_000)) });
  return { api, bridge };
}

const body = fixture('tfe-run-errored');
const KEY = jobIdFor('runs', 'api', body);
const post = (bridge: TestBridge) => fetch(`${bridge.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));

describe('Idempotency-Key, local bridge end to end', () => {
  it('sends the same key on every attempt, and logs it (the job id) with each attempt', async () => {
    const { api, bridge } = await setup(failTimes(2, 503));
    expect((await post(bridge)).status).toBe(202);
    const received = await api.waitFor(3);
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual([KEY, KEY, KEY]);
    const attempts = await eventually(() => {
      const lines = bridge.logger.withMessage('delivery attempt');
      return lines.length === 3 ? lines : undefined;
    });
    // The Idempotency-Key is the job id: logged once per line, as jobId.
    expect(attempts.map((a) => [a.outcome, a.jobId, a.idempotencyKey])).toEqual([
      ['retry', KEY, undefined],
      ['retry', KEY, undefined],
      ['delivered', KEY, undefined],
    ]);
  });

  it('puts the key in the dead letter and its log line', async () => {
    const { api, bridge } = await setup(answer(500));
    expect((await post(bridge)).status).toBe(202);
    const [letter] = await eventually(() => {
      const letters = bridge.deadLetters();
      return letters.length > 0 ? letters : undefined;
    });
    expect(letter).toMatchObject({ reason: 'exhausted', attempts: 3, jobId: KEY, idempotencyKey: KEY });
    expect(api.received.map((r) => r.headers['idempotency-key'])).toEqual([KEY, KEY, KEY]);
    expect(bridge.logger.withMessage('dead-lettered')).toEqual([
      expect.objectContaining({ jobId: KEY, reason: 'exhausted' }),
    ]);
  });

  it('uses the configured header name, or sends none when turned off', async () => {
    const renamed = await setup(answer(200), { idempotencyHeader: 'X-Idempotency-Token' });
    expect((await post(renamed.bridge)).status).toBe(202);
    const [withName] = await renamed.api.waitFor(1);
    expect(withName?.headers['x-idempotency-token']).toBe(KEY);
    expect(withName?.headers['idempotency-key']).toBeUndefined();

    const off = await setup(answer(500), { idempotencyHeader: false });
    expect((await post(off.bridge)).status).toBe(202);
    const [letter] = await eventually(() => {
      const letters = off.bridge.deadLetters();
      return letters.length > 0 ? letters : undefined;
    });
    expect(off.api.received.map((r) => r.headers['idempotency-key'])).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(letter?.idempotencyKey).toBeNull();
  });
});
