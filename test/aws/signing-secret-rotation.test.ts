// Rotating a route's signing token on AWS, end to end and offline: a stream of signed Function URL
// events into the receiver handler while the secret is rotated in Secrets Manager (fake, real
// protocol, real SDK) and HCP Terraform switches tokens; jobs go through the SQS emulator to the
// worker and a real destination. No request may be rejected during the rotation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_CACHE_TTL_MS } from '../../lambda/adapters/aws/secrets-manager-store';
import { parseConfig } from '../../lambda/core/config/parse';
import type { BridgeConfig } from '../../lambda/core/config/schema';
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { SIGNING_KEY_REFRESH_INTERVAL_MS } from '../../lambda/core/receive/signing-keys';
import type { ReceiverHandler } from '../../lambda/receiver';
import { receiverFor, workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  functionUrlEvent,
  type LocalSqs,
  pollOnce,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const SECRET_ID = 'tfe-bridge/prod-runs-hmac';
const OLD = 'rotation-old-token-0001';
const NEW = 'rotation-new-token-0002';

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let api: DestinationServer;
let logger: CaptureLogger;
let clock: number;
let sequence: number;

let config: BridgeConfig;

let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
beforeEach(async () => {
  delivery = await startDeliveryState();
  [sqs, sm, api] = await Promise.all([startLocalSqs(), startSecretsManager(), startDestination()]);
  queues = await sqs.createQueues('rotation');
  config = parseConfig({
    routes: [
      {
        id: 'prod-runs',
        signingSecret: { secretId: SECRET_ID },
        allowInsecureHttp: true,
        destinations: [{ id: 'callback', url: `${api.url}/hook` }],
      },
    ],
  });
  logger = new CaptureLogger();
  clock = Date.parse('2026-11-24T12:00:00Z');
  sequence = 0;
});
afterEach(async () => {
  await delivery.close();
  await Promise.all([api.close(), sm.close()]);
  await sqs.close();
});

function receiver(): ReceiverHandler {
  return receiverFor({
    config,
    sqs,
    queues,
    sm,
    logger,
    secretCache: { now: () => clock },
    now: () => new Date(clock),
  });
}

/** `count` distinct notifications signed with `token`, sent at once (HashiCorp does not wait). */
async function send(handler: ReceiverHandler, token: string, count = 3): Promise<number[]> {
  const run = JSON.parse(fixture('tfe-run-errored')) as Record<string, unknown>;
  const events = Array.from({ length: count }, () => {
    const body = JSON.stringify({ ...run, run_message: `notification ${sequence++}` });
    return functionUrlEvent({
      path: '/hooks/prod-runs',
      body,
      headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, token) },
    });
  });
  const results = await Promise.all(events.map((event) => handler(event)));
  return results.map((result) => (typeof result === 'string' ? 0 : (result.statusCode ?? 0)));
}

/** The `signingKey` of each request log line since `from`, in order. */
const signingKeys = (from = 0) =>
  logger
    .withMessage('request')
    .slice(from)
    .map((entry) => entry.signingKey);

async function deliverAll(): Promise<void> {
  const worker = workerFor({ config, sqs, queues, sm, logger, state: delivery.state });
  for (let polls = 0; polls < 50 && api.received.length < sequence; polls++) {
    await pollOnce(sqs, queues, worker);
  }
}

describe('rotating the signing secret on AWS (AWSCURRENT + AWSPREVIOUS)', () => {
  it('rejects no request while the token rotates, and rejects the old token once AWSPREVIOUS is removed', async () => {
    sm.setSecret(SECRET_ID, OLD);
    const handler = receiver();

    // Before: HCP Terraform signs with the old token.
    expect(await send(handler, OLD)).toEqual([202, 202, 202]);
    expect(signingKeys()).toEqual(['AWSCURRENT', 'AWSCURRENT', 'AWSCURRENT']);

    // Step 1: put-secret-value with the new token; the old one becomes AWSPREVIOUS.
    sm.setSecret(SECRET_ID, NEW);
    clock += 1_000;
    expect(await send(handler, OLD)).toEqual([202, 202, 202]);

    // Step 2: the user sets the new token in HCP Terraform. Deliveries already under way still
    // carry the old signature, so both arrive interleaved; the cache still holds the old value.
    clock += SIGNING_KEY_REFRESH_INTERVAL_MS;
    let seen = logger.withMessage('request').length;
    const mixed = await Promise.all([send(handler, NEW), send(handler, OLD), send(handler, NEW)]);
    expect(mixed.flat()).toEqual(Array(9).fill(202));
    // Old-signed ones match the cached AWSCURRENT, or AWSPREVIOUS once the re-read landed.
    for (const key of signingKeys(seen)) expect(['AWSCURRENT', 'AWSPREVIOUS']).toContain(key);
    // The mismatch re-read the keys once for the whole burst, not once per request.
    expect(logger.withMessage('signing secrets re-read after a signature mismatch')).toEqual([
      expect.objectContaining({ route: 'prod-runs', keys: ['AWSCURRENT', 'AWSPREVIOUS'] }),
    ]);

    // The cache expires mid-stream: still nothing rejected.
    clock += DEFAULT_SECRET_CACHE_TTL_MS;
    seen = logger.withMessage('request').length;
    expect(await send(handler, NEW)).toEqual([202, 202, 202]);
    expect(await send(handler, OLD)).toEqual([202, 202, 202]);
    expect(signingKeys(seen)).toEqual([...Array(3).fill('AWSCURRENT'), ...Array(3).fill('AWSPREVIOUS')]);

    // Step 3: retire the old token (remove the AWSPREVIOUS stage). After the cache TTL it is refused.
    sm.removePrevious(SECRET_ID);
    clock += DEFAULT_SECRET_CACHE_TTL_MS;
    seen = logger.withMessage('request').length;
    expect(await send(handler, OLD, 1)).toEqual([401]);
    expect(await send(handler, NEW, 1)).toEqual([202]);
    expect(signingKeys(seen)).toEqual([null, 'AWSCURRENT']);

    // Every accepted notification was stored and is delivered; none of the tokens was logged.
    const accepted = sequence - 1;
    await deliverAll();
    expect(api.received).toHaveLength(accepted);
    expect(new Set(api.received.map((r) => JSON.parse(r.body).run_message)).size).toBe(accepted);
    expect(logger.text()).not.toContain(OLD);
    expect(logger.text()).not.toContain(NEW);
  });

  it('accepts the new token at once, though the cached keys predate the rotation', async () => {
    sm.setSecret(SECRET_ID, OLD);
    const handler = receiver();
    expect(await send(handler, OLD, 1)).toEqual([202]);
    sm.setSecret(SECRET_ID, NEW);
    // Well within the 5-minute cache: the mismatch re-reads the secret.
    expect(await send(handler, NEW, 1)).toEqual([202]);
    expect(signingKeys()).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('re-reads the secret at most once per interval however many bad signatures arrive', async () => {
    sm.setSecret(SECRET_ID, OLD);
    const handler = receiver();
    expect(await send(handler, OLD, 1)).toEqual([202]);
    const before = sm.requests;
    for (let i = 0; i < 5; i++)
      expect(await send(handler, 'attacker-guess', 4)).toEqual([401, 401, 401, 401]);
    // One forced re-read: AWSCURRENT + AWSPREVIOUS.
    expect(sm.requests - before).toBe(2);
    clock += SIGNING_KEY_REFRESH_INTERVAL_MS;
    expect(await send(handler, 'attacker-guess', 4)).toEqual([401, 401, 401, 401]);
    expect(sm.requests - before).toBe(4);
  });

  it('answers 401, not 503, when the re-read after a mismatch is throttled', async () => {
    sm.setSecret(SECRET_ID, OLD);
    const handler = receiver();
    expect(await send(handler, OLD, 1)).toEqual([202]);
    sm.failNext(1, 'ThrottlingException', { stage: 'AWSCURRENT' });
    expect(await send(handler, 'wrong-token', 1)).toEqual([401]);
    expect(logger.withMessage('signing secret re-read failed')).toHaveLength(1);
    // The cached key still works.
    expect(await send(handler, OLD, 1)).toEqual([202]);
  });

  it('keeps accepting AWSCURRENT-signed requests while every AWSPREVIOUS read is throttled', async () => {
    sm.setSecret(SECRET_ID, OLD);
    sm.setSecret(SECRET_ID, NEW);
    sm.failNext(100, 'ThrottlingException', { stage: 'AWSPREVIOUS' });
    const handler = receiver();
    expect(await send(handler, NEW, 5)).toEqual(Array(5).fill(202));
    clock += DEFAULT_SECRET_CACHE_TTL_MS;
    expect(await send(handler, NEW, 5)).toEqual(Array(5).fill(202));
    expect(signingKeys()).toEqual(Array(10).fill('AWSCURRENT'));
    expect(logger.withMessage('previous secret version unavailable').length).toBeGreaterThan(0);
    // Valid requests never paid for an extra AWSPREVIOUS read each: single flight + retry delay.
    expect(sm.log.filter((r) => r.versionStage === 'AWSPREVIOUS').length).toBeLessThanOrEqual(2);
  });

  it('reads no AWSPREVIOUS for a secret never rotated, without a warning or an error', async () => {
    sm.setSecret(SECRET_ID, OLD);
    const handler = receiver();
    expect(await send(handler, OLD, 3)).toEqual([202, 202, 202]);
    expect(logger.entries.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([]);
  });
});
