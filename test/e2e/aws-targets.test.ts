// AWS-native destinations end to end in local mode: one signed notification goes to an
// EventBridge bus, an SNS FIFO topic and an SQS FIFO queue (the SQS emulator; protocol fakes that
// check every SigV4 signature for the other two), each as the service's own API call. Throttling
// and failed entries are retried; what AWS refuses is dead-lettered with AWS's code and message.
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../lambda/core/receive/jobs';
import { useAwsEnv } from '../support/aws-env';
import { FAKE_ACCOUNT_ID, TEST_CREDENTIALS } from '../support/aws-fake-http';
import { type EventBridgeFake, startEventBridgeFake } from '../support/eventbridge-fake';
import { fixture } from '../support/fixtures';
import { eventually, startTestBridge, type TestBridge } from '../support/local-bridge';
import { type LocalSqs, REGION, startLocalSqs } from '../support/local-sqs';
import { signedRequest } from '../support/signed-request';
import { type SnsFake, startSnsFake, topicArn } from '../support/sns-fake';

const HMAC = 'aws-targets-signing-token';
const TOPIC = topicArn('runs.fifo', REGION);
const QUEUE_URL = `https://sqs.${REGION}.amazonaws.com/${FAKE_ACCOUNT_ID}/runs.fifo`;
const RETRY = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 };
const body = fixture('tfe-run-errored');
const { workspace_id: WORKSPACE } = JSON.parse(body) as { workspace_id: string };

let events: EventBridgeFake;
let sns: SnsFake;
let sqs: LocalSqs;
let restoreEnv: () => void;
const open: Array<{ close(): Promise<void> }> = [];

beforeEach(async () => {
  [events, sns, sqs] = await Promise.all([
    startEventBridgeFake({ buses: ['default', 'terraform'] }),
    startSnsFake({ topics: [TOPIC] }),
    startLocalSqs(),
  ]);
  await sqs.client.send(
    new CreateQueueCommand({ QueueName: 'runs.fifo', Attributes: { FifoQueue: 'true' } }),
  );
  restoreEnv = useAwsEnv({
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
  });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  restoreEnv();
  await Promise.all([events.close(), sns.close(), sqs.close()]);
});

async function bridgeWith(destinations: Array<Record<string, unknown>>): Promise<TestBridge> {
  const bridge = await startTestBridge(
    {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          destinations: destinations.map((destination) => ({ retry: RETRY, ...destination })),
        },
      ],
    },
    { hmac: HMAC },
  );
  open.push({ close: async () => void (await bridge.close(1_000)) });
  return bridge;
}

const post = async (bridge: TestBridge, text = body) =>
  (await fetch(`${bridge.url}/hooks/runs`, signedRequest({ body: text, secret: HMAC }))).status;

describe('AWS-native destinations, local bridge end to end', () => {
  it('sends one notification as an event, an SNS message and an SQS message', async () => {
    const bridge = await bridgeWith([
      { id: 'bus', eventbridge: { busName: 'terraform' } },
      { id: 'topic', sns: { topicArn: TOPIC }, template: { preset: 'slack' } },
      { id: 'queue', sqs: { queueUrl: QUEUE_URL } },
    ]);
    expect(await post(bridge)).toBe(202);

    const [event] = await events.waitForEvents(1, 20_000);
    expect(event).toMatchObject({
      busName: 'terraform',
      source: 'tfe-bridge',
      detailType: 'run:errored',
      detailText: body,
      region: REGION,
    });

    const [message] = await sns.waitForMessages(1, 20_000);
    expect(message?.topicArn).toBe(TOPIC);
    expect(JSON.parse(message?.message ?? '{}').blocks).toBeInstanceOf(Array);
    expect(message).toMatchObject({
      messageGroupId: `runs/topic/${WORKSPACE}`,
      messageDeduplicationId: jobIdFor('runs', 'topic', body),
      attributes: {
        trigger: { dataType: 'String', value: 'run:errored' },
        kind: { dataType: 'String', value: 'run' },
        'idempotency-key': { dataType: 'String', value: jobIdFor('runs', 'topic', body) },
      },
    });

    const messages = await pollQueue('runs.fifo');
    expect(messages).toHaveLength(1);
    expect(messages[0]?.Body).toBe(body);
    expect(messages[0]?.Attributes?.MessageGroupId).toBe(`runs/queue/${WORKSPACE}`);
    expect(messages[0]?.MessageAttributes?.trigger?.StringValue).toBe('run:errored');
    // Every call the fakes took was signed with the credentials given (they refuse any other).
    expect(events.requests.length).toBe(1);
    expect(sns.requests.length).toBe(1);
    expect(bridge.logger.text()).not.toContain(TEST_CREDENTIALS.secretAccessKey);
  });

  it('retries throttling and a failed entry, then delivers once', async () => {
    events.failEntries(1, { code: 'ThrottlingException', message: 'Rate exceeded' });
    sns.failRequests(1, { status: 400, code: 'Throttling', message: 'Rate exceeded' });
    const bridge = await bridgeWith([
      { id: 'bus', eventbridge: { busName: 'default', detailType: 'Terraform run' } },
      { id: 'topic', sns: { topicArn: TOPIC } },
    ]);
    expect(await post(bridge)).toBe(202);
    const [event] = await events.waitForEvents(1, 20_000);
    expect(event?.detailType).toBe('Terraform run');
    await sns.waitForMessages(1, 20_000);
    await eventually(() => (bridge.pending === 0 ? true : undefined), 20_000);
    expect(events.requests.length).toBe(2);
    expect(sns.requests.length).toBe(2);
    expect(events.events).toHaveLength(1);
    expect(bridge.deadLetters()).toEqual([]);
  });

  it('puts an event whose trigger EventBridge would refuse as detail-type, under the payload kind', async () => {
    const odd = JSON.parse(body);
    odd.notifications[0].trigger = `run:${'x'.repeat(200)}`;
    const bridge = await bridgeWith([{ id: 'bus', eventbridge: { busName: 'default' } }]);
    expect(await post(bridge, JSON.stringify(odd))).toBe(202);
    await eventually(() => (bridge.pending === 0 ? true : undefined), 20_000);
    expect(bridge.deadLetters()).toEqual([]);
    expect(events.events.map((event) => event.detailType)).toEqual(['run']);
  });

  it("dead-letters what AWS refuses, with AWS's code and message", async () => {
    events.failEntries(1, { code: 'AccessDeniedException', message: 'not authorized to put events' });
    const bridge = await bridgeWith([
      { id: 'bus', eventbridge: { busName: 'default' } },
      { id: 'gone', sqs: { queueUrl: `https://sqs.${REGION}.amazonaws.com/${FAKE_ACCOUNT_ID}/missing` } },
      { id: 'nobody', sns: { topicArn: topicArn('no-such-topic', REGION) } },
    ]);
    expect(await post(bridge)).toBe(202);
    const letters = await eventually(() => {
      const found = bridge.deadLetters();
      return found.length === 3 ? found : undefined;
    }, 20_000);
    const byDestination = Object.fromEntries(letters.map((letter) => [letter.destinationId, letter]));
    expect(byDestination.bus).toMatchObject({
      reason: 'permanent',
      attempts: 1,
      lastError: 'EventBridge refused the event: AccessDeniedException: not authorized to put events',
    });
    expect(byDestination.gone).toMatchObject({ reason: 'permanent', attempts: 1, lastStatus: 400 });
    expect(byDestination.gone?.lastError).toMatch(/^SQS HTTP 400: .*(NonExistentQueue|QueueDoesNotExist)/);
    expect(byDestination.nobody).toMatchObject({ reason: 'permanent', lastStatus: 404 });
    expect(byDestination.nobody?.lastError).toMatch(/^SNS HTTP 404: NotFound/);
    expect(events.events).toEqual([]);
  });
});

/** The queue's messages once the bridge has sent one (the emulator has no long polling here). */
async function pollQueue(name: string) {
  for (let tries = 0; tries < 400; tries++) {
    const messages = await sqs.receive(`${sqs.endpoint}/${FAKE_ACCOUNT_ID}/${name}`);
    if (messages.length > 0) return messages;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [];
}
