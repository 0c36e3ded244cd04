// The deployed receiver starts reading its signing secrets while it is built (Lambda's init), so
// the first request does not wait for that round trip; a secret that cannot be read then is
// answered as before: 503 secret_unavailable, and 202 once the secret exists.
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { receiverFromEnvironment } from '../../lambda/receiver';
import { bakedConfigJson } from '../support/baked-config';
import { fixture } from '../support/fixtures';
import { lambdaContext, replaceEnv } from '../support/lambda-runtime';
import { type FifoQueues, functionUrlEvent, type LocalSqs, startLocalSqs } from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const HMAC = 'prefetch-signing-token-0001';
const SECRET_ID = 'tfe-bridge/hmac';

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let restoreEnv: () => void;
let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

beforeEach(async () => {
  [sqs, sm] = await Promise.all([startLocalSqs(), startSecretsManager()]);
  queues = await sqs.createQueues('prefetch');
  const route = (id: string, signed: boolean) => ({
    id,
    ...(signed ? { signingSecret: { secretId: SECRET_ID } } : { allowUnsigned: true }),
    destinations: [{ id: 'api', url: 'https://api.example/hook' }],
  });
  restoreEnv = replaceEnv({
    TFE_BRIDGE_CONFIG_JSON: bakedConfigJson({ routes: [route('runs', true), route('open', false)] }),
    QUEUE_URL: queues.queueUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SECRET_CACHE_TTL_MS: undefined,
    REPLAY_GUARD_TABLE: undefined,
  });
  // Powertools writes its JSON lines to stdout, errors to stderr.
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  stdout.mockRestore();
  stderr.mockRestore();
  restoreEnv();
  await sm.close();
  await sqs.close();
});

function signedEvent() {
  const body = fixture('tfe-run-errored');
  return functionUrlEvent({
    path: '/hooks/runs',
    body,
    headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, HMAC) },
  });
}

const reads = () => sm.log.filter((request) => request.target.endsWith('GetSecretValue'));

const stderrText = () => stderr.mock.calls.map(([chunk]) => String(chunk)).join('');

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('deployed receiver: signing secrets read while it starts', () => {
  it('reads the signed route secret (both stages) before any request, and the first request reads nothing more', async () => {
    sm.setSecret(SECRET_ID, HMAC);
    const handler = await receiverFromEnvironment();
    await until(() => reads().length === 2);
    expect(
      reads()
        .map((r) => [r.secretId, r.versionStage ?? 'AWSCURRENT'])
        .sort(),
    ).toEqual([
      [SECRET_ID, 'AWSCURRENT'],
      [SECRET_ID, 'AWSPREVIOUS'],
    ]);

    const response = await handler(signedEvent(), lambdaContext('tfe-bridge-receiver'));
    expect(response).toMatchObject({ statusCode: 202 });
    expect(reads()).toHaveLength(2);
  });

  it('answers a secret missing at start with 503 secret_unavailable, then 202 once it exists', async () => {
    const handler = await receiverFromEnvironment();
    await until(() => reads().length >= 2);
    // The read at start already says which secret is missing.
    await until(() => stderrText().includes('not found in Secrets Manager'));

    const refused = await handler(signedEvent(), lambdaContext('tfe-bridge-receiver'));
    expect(refused).toMatchObject({ statusCode: 503 });
    expect(JSON.parse((refused as { body: string }).body)).toMatchObject({ error: 'secret_unavailable' });

    sm.setSecret(SECRET_ID, HMAC);
    const accepted = await handler(signedEvent(), lambdaContext('tfe-bridge-receiver'));
    expect(accepted).toMatchObject({ statusCode: 202 });
  });
});
