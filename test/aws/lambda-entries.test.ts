// The exported Lambda `handler`s exactly as deployed: configured only through environment
// variables (the AWS clients reach the local endpoints through AWS_ENDPOINT_URL_*), logging JSON lines
// through Powertools to stdout.
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { handler as receiverHandler } from '../../lambda/receiver';
import { handler as workerHandler } from '../../lambda/worker';
import { bakedConfigJson } from '../support/baked-config';
import { type DestinationServer, requireBearer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { lambdaContext, replaceEnv, stdoutJsonLines } from '../support/lambda-runtime';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import {
  type FifoQueues,
  functionUrlEvent,
  type LocalSqs,
  pollOnce,
  signedFunctionUrlEvent,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const HMAC = 'entries-signing-token-0001';
const TOKEN = 'entries-bearer-token-0000000000000000001';
const ENV_NAMES = [
  'TFE_BRIDGE_CONFIG_JSON',
  'QUEUE_URL',
  'DEAD_LETTER_QUEUE_URL',
  'DELIVERY_STATE_TABLE',
  'SECRET_CACHE_TTL_MS',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'POWERTOOLS_DEV',
] as const;

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let api: DestinationServer;
let dynamo: LocalDynamoDb;
let restoreEnv: () => void;
let stdout: MockInstance<typeof process.stdout.write>;

/** Powertools' JSON lines written to stdout since the test began. */
const logLines = () => stdoutJsonLines(stdout);

beforeEach(async () => {
  [sqs, sm, api, dynamo] = await Promise.all([
    startLocalSqs(),
    startSecretsManager(),
    startDestination(requireBearer(() => TOKEN)),
    startLocalDynamoDb(),
  ]);
  await dynamo.createStateTable('delivery-state');
  queues = await sqs.createQueues('deployed');
  sm.setSecret('tfe-bridge/hmac', HMAC);
  sm.setSecret('tfe-bridge/api-token', TOKEN);
  restoreEnv = replaceEnv(Object.fromEntries(ENV_NAMES.map((name) => [name, undefined])));
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  stdout.mockRestore();
  restoreEnv();
  await Promise.all([api.close(), sm.close(), dynamo.close()]);
  await sqs.close();
});

describe('deployed Lambda handlers', () => {
  it('worker: fails every invocation naming a missing AWS variable, not every record by its class', async () => {
    Object.assign(process.env, {
      TFE_BRIDGE_CONFIG_JSON: bakedConfigJson({
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'tfe-bridge/hmac' },
            destinations: [{ id: 'api', url: 'https://api.example.com/hook' }],
          },
        ],
      }),
      QUEUE_URL: queues.queueUrl,
      DEAD_LETTER_QUEUE_URL: queues.dlqUrl,
      DELIVERY_STATE_TABLE: 'delivery-state',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
    });
    // A fresh module: the one imported above keeps the handler its first successful build made.
    vi.resetModules();
    const { handler } = await import('../../lambda/worker');
    const event = { Records: [] };
    await expect(handler(event, lambdaContext('tfe-bridge-worker'))).rejects.toThrow(
      'cannot call DynamoDB: AWS_SECRET_ACCESS_KEY is not set',
    );
    await expect(handler(event, lambdaContext('tfe-bridge-worker'))).rejects.toThrow(
      'AWS_SECRET_ACCESS_KEY is not set',
    );
  });

  it('fail with every missing variable named, then work once the environment is complete', async () => {
    const event = functionUrlEvent({ path: '/hooks/runs', body: '{}' });
    await expect(receiverHandler(event, lambdaContext('tfe-bridge-receiver'))).rejects.toThrow(
      /TFE_BRIDGE_CONFIG_JSON is not set and there is no config.json beside the code \(cdk synth writes it\)\n {2}QUEUE_URL is not set/,
    );

    Object.assign(process.env, {
      TFE_BRIDGE_CONFIG_JSON: bakedConfigJson({
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'tfe-bridge/hmac' },
            allowInsecureHttp: true,
            destinations: [
              {
                id: 'api',
                url: `${api.url}/hook`,
                auth: { type: 'bearer', secret: { secretId: 'tfe-bridge/api-token' } },
              },
            ],
          },
        ],
      }),
      QUEUE_URL: queues.queueUrl,
      DEAD_LETTER_QUEUE_URL: queues.dlqUrl,
      DELIVERY_STATE_TABLE: 'delivery-state',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    });

    const body = fixture('tfe-run-errored');
    const response = await receiverHandler(
      signedFunctionUrlEvent('/hooks/runs', body, HMAC),
      lambdaContext('tfe-bridge-receiver'),
    );
    expect(response).toMatchObject({ statusCode: 202 });

    const { failed } = await pollOnce(sqs, queues, (sqsEvent) =>
      workerHandler(sqsEvent, lambdaContext('tfe-bridge-worker')),
    );
    expect(failed).toEqual([]);
    expect(api.received.map((r) => [r.body, r.headers.authorization])).toEqual([[body, `Bearer ${TOKEN}`]]);

    // A probe that puts the signing token in the URL: CloudWatch gets the path masked.
    const probe = await receiverHandler(
      functionUrlEvent({ path: `/hooks/${HMAC}`, body: '{}' }),
      lambdaContext('tfe-bridge-receiver'),
    );
    expect(probe).toMatchObject({ statusCode: 404 });

    const lines = logLines();
    const requests = lines.filter((line) => line.message === 'request');
    // An accepted request's line is at debug on AWS (the bill's biggest line at volume); the
    // refused one is still there, at info, with the token masked.
    expect(requests).toEqual([
      expect.objectContaining({
        level: 'INFO',
        service: 'tfe-bridge',
        function_name: 'tfe-bridge-receiver',
        status: 404,
        path: '/hooks/***',
      }),
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'delivery attempt',
        function_name: 'tfe-bridge-worker',
        outcome: 'delivered',
      }),
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain(HMAC);
    expect(text).not.toContain(TOKEN);
  });
});
