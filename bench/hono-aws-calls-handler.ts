// A floor under the receiver's cold start: Hono alone plus the AWS calls the receiver must make
// before its 202 (read the signing secret, send the job), through the same client, and nothing
// else of the bridge. A low floor: the receiver also reads the secret's AWSPREVIOUS version,
// in parallel with AWSCURRENT, which this does not.
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { getSecretValueFromEnv, sendMessageBatchFromEnv } from '../lambda/adapters/aws/aws-operations';
import { TFE_SIGNATURE_HEADER, verifySignature } from '../lambda/core/receive/signature';
import { BENCH_SIGNING_SECRET_ID } from './bench-secret';

// The receiver's own bounds (lambda/receiver.ts, secrets-manager-store.ts).
const getSecret = getSecretValueFromEnv({ maxAttempts: 2, attemptTimeoutMs: 2_000 });
const send = sendMessageBatchFromEnv({ maxAttempts: 2, attemptTimeoutMs: 1_500 });

const app = new Hono().post('/hooks/:routeId', async (c) => {
  const body = new Uint8Array(await c.req.arrayBuffer());
  const { SecretString } = await getSecret({ SecretId: BENCH_SIGNING_SECRET_ID });
  try {
    verifySignature(body, c.req.header(TFE_SIGNATURE_HEADER), [SecretString ?? '']);
  } catch {
    return c.json({ error: 'invalid_signature' }, 401);
  }
  const text = new TextDecoder().decode(body);
  JSON.parse(text);
  await send({
    QueueUrl: process.env.QUEUE_URL ?? '',
    Entries: [
      { Id: '0', MessageBody: text, MessageGroupId: 'bench', MessageDeduplicationId: String(Date.now()) },
    ],
  });
  return c.json({ accepted: ['sink'] }, 202);
});

export const handler = handle(app);
