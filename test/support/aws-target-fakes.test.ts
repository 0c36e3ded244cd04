// The EventBridge and SNS fakes speak what the real AWS SDK clients speak: every answer here is
// parsed by @aws-sdk/client-eventbridge or @aws-sdk/client-sns, so a wrong shape fails the test.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_ID, TEST_CREDENTIALS } from './aws-fake-http';
import { PUT_EVENTS_MAX_BYTES, startEventBridgeFake } from './eventbridge-fake';
import { startSnsFake, topicArn } from './sns-fake';

// The SDK's Node version warning would trip the no-console guard (as in local-sqs.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const REGION = 'eu-west-1';
const open: Array<{ close(): Promise<void> } | { destroy(): void }> = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await ('close' in thing ? thing.close() : thing.destroy());
});

// One attempt: the SDK's retries would hide the fake's answers.
const clientOptions = (endpoint: string, credentials = TEST_CREDENTIALS) => ({
  region: REGION,
  endpoint,
  credentials,
  maxAttempts: 1,
});

async function eventBridge(buses?: string[], credentials = TEST_CREDENTIALS) {
  const fake = await startEventBridgeFake(buses ? { buses } : {});
  const client = new EventBridgeClient(clientOptions(fake.endpoint, credentials));
  open.push(fake, client);
  return { fake, put: (Entries: PutEventsRequestEntry[]) => client.send(new PutEventsCommand({ Entries })) };
}

async function sns(credentials = TEST_CREDENTIALS) {
  const topics = [topicArn('alerts', REGION), { arn: topicArn('runs.fifo', REGION) }];
  const fake = await startSnsFake({ topics });
  const client = new SNSClient(clientOptions(fake.endpoint, credentials));
  open.push(fake, client);
  return { fake, publish: (input: PublishCommandInput) => client.send(new PublishCommand(input)) };
}

/** The SDK's error for a call expected to fail, with the fields the SDK fills from the answer. */
async function errorOf(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) =>
      e as { name: string; message: string; $fault?: string; $metadata: { httpStatusCode?: number } },
  );
  if (!error) throw new Error('expected the call to fail');
  return error;
}

const entry = (detail: unknown, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'tfe-bridge',
  DetailType: 'run:completed',
  Detail: JSON.stringify(detail),
  ...extra,
});

describe('EventBridge fake against @aws-sdk/client-eventbridge', () => {
  it('accepts entries on known buses and returns their event ids in order', async () => {
    const { fake, put } = await eventBridge(['default', 'tfe']);
    const time = new Date('2026-03-01T12:34:56Z');
    const busArn = `arn:aws:events:${REGION}:${FAKE_ACCOUNT_ID}:event-bus/tfe`;
    const result = await put([
      entry({ run: 'run-1', emoji: '✓' }, { Time: time, Resources: ['arn:aws:x:::run-1'] }),
      entry({ run: 'run-2' }, { EventBusName: busArn }),
    ]);
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries?.map((e) => e.EventId)).toEqual(fake.events.map((e) => e.eventId));
    expect(fake.events).toMatchObject([
      {
        busName: 'default',
        source: 'tfe-bridge',
        detailType: 'run:completed',
        detail: { run: 'run-1', emoji: '✓' },
      },
      { busName: busArn, detail: { run: 'run-2' }, resources: [], region: REGION },
    ]);
    expect(fake.events[0]).toMatchObject({
      time: '2026-03-01T12:34:56Z',
      resources: ['arn:aws:x:::run-1'],
      region: REGION,
    });
    expect(fake.events[0]?.detailText).toBe(JSON.stringify({ run: 'run-1', emoji: '✓' }));
    expect(fake.requests[0]?.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
  });

  it('fails single entries inside a 200 answer, in request order', async () => {
    const { fake, put } = await eventBridge();
    fake.failEntries(1, { code: 'ThrottlingException', message: 'Rate exceeded' });
    const result = await put([
      entry({ n: 1 }),
      entry({ n: 2 }),
      { Source: 'aws.ec2', DetailType: 'x', Detail: '{}' },
      { Source: 's', DetailType: 'x', Detail: '[1,2]' },
      { Source: 's', DetailType: 'x' },
      entry({ n: 6 }, { EventBusName: 'no-such-bus' }),
    ]);
    expect(result.FailedEntryCount).toBe(5);
    expect(result.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ThrottlingException',
      'ok',
      'NotAuthorizedForSourceException',
      'MalformedDetail',
      'InvalidArgument',
      'ResourceNotFoundException',
    ]);
    expect(result.Entries?.[0]?.ErrorMessage).toBe('Rate exceeded');
    expect(fake.events.map((e) => e.detail)).toEqual([{ n: 2 }]);
  });

  it('surfaces an injected whole-request error as the SDK error of that name and status', async () => {
    const { fake, put } = await eventBridge();
    fake.failRequests(1, { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' });
    fake.failRequests(1, { status: 500, code: 'InternalException', message: 'boom' });
    const throttled = await errorOf(put([entry({})]));
    expect(throttled).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $fault: 'client',
    });
    expect(throttled.$metadata.httpStatusCode).toBe(400);
    const internal = await errorOf(put([entry({})]));
    expect(internal).toMatchObject({ name: 'InternalException', $fault: 'server' });
    expect(internal.$metadata.httpStatusCode).toBe(500);
    expect((await put([entry({})])).FailedEntryCount).toBe(0);
    expect(fake.events).toHaveLength(1);
  });

  it('refuses more than 10 entries and oversized requests as a whole', async () => {
    const { fake, put } = await eventBridge();
    const eleven = Array.from({ length: 11 }, (_, n) => entry({ n }));
    expect(await errorOf(put(eleven))).toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    const big = entry({ pad: 'x'.repeat(PUT_EVENTS_MAX_BYTES / 2) });
    const tooBig = await errorOf(put([big, big]));
    expect(tooBig).toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(fake.events).toHaveLength(0);
  });

  it('refuses a wrong secret key and an unknown access key', async () => {
    const wrongSecret = await eventBridge(undefined, { accessKeyId: 'test', secretAccessKey: 'nope' });
    expect(await errorOf(wrongSecret.put([entry({})]))).toMatchObject({ name: 'InvalidSignatureException' });
    const unknownKey = await eventBridge(undefined, { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'test' });
    expect(await errorOf(unknownKey.put([entry({})]))).toMatchObject({ name: 'UnrecognizedClientException' });
    expect([...wrongSecret.fake.events, ...unknownKey.fake.events]).toHaveLength(0);
  });
});

describe('SNS fake against @aws-sdk/client-sns', () => {
  it('publishes to a standard topic and returns the message id', async () => {
    const { fake, publish } = await sns();
    const message = 'Run <run-1> & "done" ✓';
    const result = await publish({
      TopicArn: topicArn('alerts', REGION),
      Message: message,
      Subject: 'Run done',
    });
    expect(result.MessageId).toBe(fake.messages[0]?.messageId);
    expect(result.SequenceNumber).toBeUndefined();
    expect(fake.messages).toEqual([
      {
        messageId: result.MessageId,
        topicArn: topicArn('alerts', REGION),
        message,
        subject: 'Run done',
        attributes: {},
        region: REGION,
      },
    ]);
  });

  it('publishes to a FIFO topic with group, deduplication id and attributes, once per deduplication id', async () => {
    const { fake, publish } = await sns();
    const input: PublishCommandInput = {
      TopicArn: topicArn('runs.fifo', REGION),
      Message: '{"run":"run-1"}',
      MessageGroupId: 'ws-1',
      MessageDeduplicationId: 'run-1:applied',
      MessageAttributes: {
        event: { DataType: 'String', StringValue: 'run:completed' },
        attempt: { DataType: 'Number', StringValue: '2' },
        raw: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2]) },
        tags: { DataType: 'String.Array', StringValue: '["a","b"]' },
      },
    };
    const first = await publish(input);
    expect(first.SequenceNumber).toMatch(/^\d{20,}$/);
    expect(fake.messages[0]).toMatchObject({
      messageId: first.MessageId,
      messageGroupId: 'ws-1',
      messageDeduplicationId: 'run-1:applied',
      attributes: {
        event: { dataType: 'String', value: 'run:completed' },
        attempt: { dataType: 'Number', value: '2' },
        raw: { dataType: 'Binary', value: Buffer.from([0, 1, 2]).toString('base64') },
        tags: { dataType: 'String.Array', value: '["a","b"]' },
      },
    });
    // Arrives twice: accepted, answered like the first, not delivered again.
    const again = await publish(input);
    expect(again.MessageId).toBe(first.MessageId);
    expect(fake.messages).toHaveLength(1);
  });

  it('answers an unknown topic with NotFoundException (404)', async () => {
    const { fake, publish } = await sns();
    const error = await errorOf(publish({ TopicArn: topicArn('missing', REGION), Message: 'x' }));
    expect(error).toMatchObject({ name: 'NotFoundException', message: 'Topic does not exist' });
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(fake.messages).toHaveLength(0);
  });

  it('answers invalid publishes with InvalidParameterException or InvalidParameterValueException', async () => {
    const { fake, publish } = await sns();
    const fifo = topicArn('runs.fifo', REGION);
    const cases: Array<[PublishCommandInput, string]> = [
      [{ TopicArn: fifo, Message: 'x', MessageDeduplicationId: 'd' }, 'InvalidParameterException'],
      [{ TopicArn: fifo, Message: 'x', MessageGroupId: 'g' }, 'InvalidParameterException'],
      [{ TopicArn: topicArn('alerts', REGION), Message: 'x'.repeat(262_145) }, 'InvalidParameterException'],
      [{ TopicArn: topicArn('alerts', REGION), Message: '' }, 'InvalidParameterException'],
      [{ TopicArn: topicArn('alerts', 'us-east-1'), Message: 'x' }, 'InvalidParameterException'],
      [
        {
          TopicArn: topicArn('alerts', REGION),
          Message: 'x',
          MessageAttributes: { 'AWS.x': { DataType: 'String', StringValue: 'v' } },
        },
        'InvalidParameterValueException',
      ],
      [
        {
          TopicArn: topicArn('alerts', REGION),
          Message: 'x',
          MessageAttributes: { n: { DataType: 'Number', StringValue: 'ten' } },
        },
        'InvalidParameterValueException',
      ],
    ];
    for (const [input, name] of cases) {
      const error = await errorOf(publish(input));
      expect({ name: error.name, status: error.$metadata.httpStatusCode }).toEqual({ name, status: 400 });
    }
    expect(fake.messages).toHaveLength(0);
  });

  it('surfaces an injected throttle as ThrottledException (429)', async () => {
    const { fake, publish } = await sns();
    fake.failRequests(1, { status: 429, code: 'Throttled', message: 'Rate exceeded' });
    const error = await errorOf(publish({ TopicArn: topicArn('alerts', REGION), Message: 'x' }));
    expect(error).toMatchObject({
      name: 'ThrottledException',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 429 },
    });
    await publish({ TopicArn: topicArn('alerts', REGION), Message: 'x' });
    expect(fake.messages).toHaveLength(1);
  });

  it('refuses a wrong secret key and an unknown access key with 403', async () => {
    const wrongSecret = await sns({ accessKeyId: 'test', secretAccessKey: 'nope' });
    const mismatch = await errorOf(
      wrongSecret.publish({ TopicArn: topicArn('alerts', REGION), Message: 'x' }),
    );
    expect(mismatch).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    const unknownKey = await sns({ accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'test' });
    const unknown = await errorOf(unknownKey.publish({ TopicArn: topicArn('alerts', REGION), Message: 'x' }));
    expect(unknown).toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    expect([...wrongSecret.fake.messages, ...unknownKey.fake.messages]).toHaveLength(0);
  });
});
