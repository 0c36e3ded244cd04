// The worker Lambda handler with AWS-native destinations: jobs from the SQS emulator go out as
// an EventBridge PutEvents (a fake that checks SigV4) and an SQS SendMessage to another queue of
// the emulator, signed as the function's role; an event EventBridge refuses reaches the DLQ with
// EventBridge's code as its reason.
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAwsEndpointResolver } from '../../lambda/adapters/aws/aws-endpoints';
import { createAwsRequestSigner } from '../../lambda/adapters/aws/aws-request-signer';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { parseConfig } from '../../lambda/core/config/parse';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { FAKE_ACCOUNT_ID, TEST_CREDENTIALS } from '../support/aws-fake-http';
import { workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { type EventBridgeFake, startEventBridgeFake } from '../support/eventbridge-fake';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  REGION,
  sendMessageBatchVia,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const OUT_QUEUE = `https://sqs.${REGION}.amazonaws.com/${FAKE_ACCOUNT_ID}/terraform-events.fifo`;
const body = fixture('tfe-run-completed-captured');

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let events: EventBridgeFake;
let logger: CaptureLogger;
let delivery: Awaited<ReturnType<typeof startDeliveryState>>;

beforeEach(async () => {
  delivery = await startDeliveryState();
  [sqs, sm, events] = await Promise.all([startLocalSqs(), startSecretsManager(), startEventBridgeFake()]);
  queues = await sqs.createQueues('jobs');
  await sqs.client.send(
    new CreateQueueCommand({ QueueName: 'terraform-events.fifo', Attributes: { FifoQueue: 'true' } }),
  );
  logger = new CaptureLogger();
});
afterEach(async () => {
  await delivery.close();
  await Promise.all([sm.close(), sqs.close(), events.close()]);
});

async function enqueue() {
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'tfe-bridge/hmac' },
        destinations: [
          { id: 'bus', eventbridge: { busName: 'default' } },
          { id: 'queue', sqs: { queueUrl: OUT_QUEUE }, template: { preset: 'generic' } },
        ],
      },
    ],
  });
  const handler = workerFor({
    config,
    sqs,
    queues,
    sm,
    logger,
    state: delivery.state,
    random: () => 1,
    // As on Lambda: the role's credentials, the function's region; the endpoints of this test.
    signAws: createAwsRequestSigner({ credentials: async () => TEST_CREDENTIALS, region: REGION }),
    awsEndpoint: createAwsEndpointResolver({
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    }),
  });
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  const destinations = config.routes[0]?.destinations ?? [];
  await queue.enqueue(createJobs('runs', destinations, body, classifyPayload(JSON.parse(body)), new Date()));
  return handler;
}

describe('worker with eventbridge and sqs destinations', () => {
  it('puts the event and sends the message, each signed as the function', async () => {
    const handler = await enqueue();
    const { response, event } = await pollOnce(sqs, queues, handler, 10);
    expect(event.Records).toHaveLength(2);
    expect(response.batchItemFailures).toEqual([]);
    expect(events.events).toMatchObject([{ busName: 'default', source: 'tfe-bridge', detailText: body }]);
    const [sent] = await sqs.receive(`${sqs.endpoint}/${FAKE_ACCOUNT_ID}/terraform-events.fifo`);
    expect(JSON.parse(sent?.Body ?? '{}')).toMatchObject({
      version: 1,
      kind: 'run',
      trigger: 'run:completed',
    });
    expect(sent?.MessageAttributes?.kind?.StringValue).toBe('run');
    expect(await sqs.receive(queues.dlqUrl)).toEqual([]);
    expect(logger.text()).not.toContain(TEST_CREDENTIALS.secretAccessKey);
  });

  it("dead-letters an event EventBridge refuses, with EventBridge's code", async () => {
    events.failEntries(1, { code: 'AccessDeniedException', message: 'not authorized' });
    const handler = await enqueue();
    const { response } = await pollOnce(sqs, queues, handler, 10);
    expect(response.batchItemFailures).toEqual([]);
    const [letter] = await sqs.receive(queues.dlqUrl);
    expect(letter?.MessageAttributes?.reason?.StringValue).toBe('permanent');
    expect(letter?.MessageAttributes?.lastError?.StringValue).toBe(
      'EventBridge refused the event: AccessDeniedException: not authorized',
    );
    expect(events.events).toEqual([]);
  });
});
