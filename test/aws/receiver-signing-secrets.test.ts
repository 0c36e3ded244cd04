// The receiver Lambda handler (real-shaped Function URL events, Secrets Manager fake over real
// HTTP, the SQS emulator) with signing secrets that read fine but cannot be used: an empty value
// anyone can sign with, and a reference the secret does not fit. Both answer 503 with a log line
// that names the secret and says how to fix it; nothing is queued.
import type { LambdaFunctionURLResult } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/core/config/parse';
import type { SecretRef } from '../../lambda/core/config/schema';
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { SIGNING_KEY_REFRESH_INTERVAL_MS } from '../../lambda/core/receive/signing-keys';
import { receiverFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { fixture } from '../support/fixtures';
import { type FifoQueues, functionUrlEvent, type LocalSqs, startLocalSqs } from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const TOKEN = 'receiver-signing-token-0002';
const SECRET_ID = 'tfe-bridge/hmac';

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let logger: CaptureLogger;

beforeEach(async () => {
  [sqs, sm] = await Promise.all([startLocalSqs(), startSecretsManager()]);
  queues = await sqs.createQueues('jobs');
  logger = new CaptureLogger();
});
afterEach(async () => {
  await sm.close();
  await sqs.close();
});

async function post(signingSecret: SecretRef, key: string) {
  const config = parseConfig({
    routes: [{ id: 'runs', signingSecret, destinations: [{ id: 'api', url: 'https://api.example' }] }],
  });
  const handler = receiverFor({ config, sqs, queues, sm, logger });
  const body = fixture('tfe-run-errored');
  const result = (await handler(
    functionUrlEvent({
      path: '/hooks/runs',
      body,
      headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, key) },
    }),
  )) as Exclude<LambdaFunctionURLResult, string>;
  return { status: result.statusCode, json: JSON.parse(result.body ?? 'null') as unknown };
}

describe('receiver: signing secrets that cannot be used', () => {
  it.each([
    ['SecretString ""', ''],
    ['a SecretString of spaces', '   '],
  ])('answers 503 to a request signed with an empty key held as %s', async (_case, value) => {
    sm.setSecret(SECRET_ID, value);
    const { status, json } = await post({ secretId: SECRET_ID }, value);
    expect(status).toBe(503);
    expect(json).toMatchObject({ error: 'secret_unavailable' });
    expect(logger.withMessage('request failed')).toEqual([
      expect.objectContaining({
        error: `route "runs" has no usable signing key: secret "${SECRET_ID}" (AWSCURRENT) is empty; put the token set in HashiCorp there`,
      }),
    ]);
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
  });

  it('answers 401 to the empty key when only AWSPREVIOUS is blank, and 202 to the current token', async () => {
    sm.setSecret(SECRET_ID, TOKEN, { previous: '' });
    expect((await post({ secretId: SECRET_ID }, '')).status).toBe(401);
    expect((await post({ secretId: SECRET_ID }, TOKEN)).status).toBe(202);
  });

  it('answers 503 with a fix hint when the reference does not fit the secret (jsonKey on a plain string)', async () => {
    sm.setSecret(SECRET_ID, TOKEN);
    const { status } = await post({ secretId: SECRET_ID, jsonKey: 'token' }, TOKEN);
    expect(status).toBe(503);
    expect(logger.withMessage('request failed')).toEqual([
      expect.objectContaining({
        error: `secret "${SECRET_ID}" is not JSON, so jsonKey cannot be read: store a JSON object, or drop jsonKey "token" from the config`,
      }),
    ]);
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('takes a fixed secret within the re-read interval, not when the 5-minute cache expires', async () => {
    const config = parseConfig({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: SECRET_ID, jsonKey: 'token' },
          destinations: [{ id: 'api', url: 'https://api.example' }],
        },
      ],
    });
    let clock = Date.parse('2026-11-24T12:00:00Z');
    const handler = receiverFor({ config, sqs, queues, sm, logger, now: () => new Date(clock) });
    const body = fixture('tfe-run-errored');
    const event = () =>
      functionUrlEvent({
        path: '/hooks/runs',
        body,
        headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, TOKEN) },
      });
    sm.setSecret(SECRET_ID, TOKEN);
    expect(await handler(event())).toMatchObject({ statusCode: 503 });
    sm.setSecret(SECRET_ID, JSON.stringify({ token: TOKEN }));
    clock += SIGNING_KEY_REFRESH_INTERVAL_MS;
    expect(await handler(event())).toMatchObject({ statusCode: 202 });
  });
});
