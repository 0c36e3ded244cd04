// The replay guard on the AWS path, offline: receiver handler (Function URL events) with the
// DynamoDB guard on dynalite, the SQS FIFO emulator, the worker handler and a real destination.
// The emulator deduplicates only against messages still queued, so once the worker has deleted
// the first copy, a resend is past the "dedup window" and only the guard can refuse it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbReplayGuard } from '../../lambda/adapters/aws/dynamodb-replay-guard';
import { parseConfig } from '../../lambda/core/config/parse';
import type { BridgeConfig } from '../../lambda/core/config/schema';
import type { ReceiverHandler } from '../../lambda/receiver';
import type { WorkerHandler } from '../../lambda/worker';
import { receiverFor, workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { type LocalDynamoDb, startDeliveryState, startLocalDynamoDb } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  signedFunctionUrlEvent,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const HMAC = 'replay-guard-aws-signing-token';

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let dynamo: LocalDynamoDb;
let api: DestinationServer;
let logger: CaptureLogger;

let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
beforeEach(async () => {
  delivery = await startDeliveryState();
  [sqs, sm, dynamo, api] = await Promise.all([
    startLocalSqs(),
    startSecretsManager(),
    startLocalDynamoDb(),
    startDestination(),
  ]);
  queues = await sqs.createQueues('replay');
  sm.setSecret('hmac', HMAC);
  logger = new CaptureLogger();
});
afterEach(async () => {
  await delivery.close();
  await Promise.all([api.close(), sm.close(), dynamo.close()]);
  await sqs.close();
});

function bridge(guarded: boolean): { receiver: ReceiverHandler; worker: WorkerHandler } {
  const config: BridgeConfig = parseConfig({
    ...(guarded ? { replayGuard: { ttlSeconds: 3600 } } : {}),
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        allowInsecureHttp: true,
        destinations: [{ id: 'api', url: api.url }],
      },
    ],
  });
  const receiver = receiverFor({
    config,
    sqs,
    queues,
    sm,
    logger,
    ...(guarded
      ? { replayGuard: new DynamoDbReplayGuard({ tableName: 'tfe-bridge-replay', client: dynamo.bridge }) }
      : {}),
  });
  return { receiver, worker: workerFor({ config, sqs, queues, sm, logger, state: delivery.state }) };
}

/** The JSON body of a Function URL result (the receiver always answers with an object). */
const jsonOf = (result: Awaited<ReturnType<ReceiverHandler>>): unknown =>
  JSON.parse(typeof result === 'string' ? result : (result.body ?? ''));

const post = (receiver: ReceiverHandler, body: string) =>
  receiver(signedFunctionUrlEvent('/hooks/runs', body, HMAC));

describe('replay guard on the AWS path (dynalite + SQS emulator)', () => {
  it('without the guard, a resend after the first copy was delivered is delivered again', async () => {
    const { receiver, worker } = bridge(false);
    const body = fixture('tfe-run-completed-captured');
    expect(await post(receiver, body)).toMatchObject({ statusCode: 202 });
    await pollOnce(sqs, queues, worker);
    expect(await post(receiver, body)).toMatchObject({ statusCode: 202 });
    await pollOnce(sqs, queues, worker);
    expect(api.received.map((r) => r.body)).toEqual([body, body]);
  });

  it('answers 409 to the replayed body, queues nothing and delivers it once', async () => {
    await dynamo.createReplayTable('tfe-bridge-replay');
    const { receiver, worker } = bridge(true);
    const body = fixture('tfe-run-completed-captured');
    expect(await post(receiver, body)).toMatchObject({ statusCode: 202 });
    await pollOnce(sqs, queues, worker);
    expect(api.received.map((r) => r.body)).toEqual([body]);

    const replay = await post(receiver, body);
    expect(replay).toMatchObject({ statusCode: 409 });
    expect(jsonOf(replay)).toEqual({
      error: 'replayed',
      message: 'this notification was already accepted',
    });
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
    expect(logger.withMessage('request').at(-1)).toMatchObject({ status: 409, result: 'rejected_replay' });
  });

  it('answers the same verification request 200 twice and queues nothing', async () => {
    await dynamo.createReplayTable('tfe-bridge-replay');
    const { receiver } = bridge(true);
    const verification = fixture('tfe-verification');
    for (let i = 0; i < 2; i++) {
      const response = await post(receiver, verification);
      expect(response).toMatchObject({ statusCode: 200 });
      expect(jsonOf(response)).toEqual({ status: 'verified' });
    }
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
  });

  it('accepts and delivers (fail open, logged) when the guard table is unavailable', async () => {
    // No table created: every PutItem fails with ResourceNotFoundException.
    const { receiver, worker } = bridge(true);
    const body = fixture('tfe-run-errored');
    expect(await post(receiver, body)).toMatchObject({ statusCode: 202 });
    await pollOnce(sqs, queues, worker);
    expect(api.received.map((r) => r.body)).toEqual([body]);
    expect(logger.withMessage('replay guard unavailable, notification accepted without the check')).toEqual([
      expect.objectContaining({ level: 'error', route: 'runs', cause: 'ResourceNotFoundException' }),
    ]);
    expect(logger.text()).not.toContain(HMAC);
  });
});
