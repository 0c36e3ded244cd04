// The EventBridge and SNS fakes at the wire level, with hand-built signed requests as the bridge
// sends them: the exact answer shapes the SDK would tolerate variations of, and hostile input.
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_CREDENTIALS } from './aws-fake-http';
import { startEventBridgeFake } from './eventbridge-fake';
import { signedAwsFetch } from './signed-aws-fetch';
import { startSnsFake, topicArn } from './sns-fake';

const REGION = 'us-east-1';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((fake) => fake.close()));
});

async function eventBridge() {
  const fake = await startEventBridgeFake();
  open.push(fake);
  const send = (body: string, target = 'AWSEvents.PutEvents', service = 'events') =>
    signedAwsFetch(fake.endpoint, {
      service,
      region: REGION,
      credentials: TEST_CREDENTIALS,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body,
    });
  return { fake, send };
}

async function sns() {
  const fake = await startSnsFake({
    topics: [topicArn('alerts'), { arn: topicArn('runs.fifo'), contentBasedDeduplication: true }],
  });
  open.push(fake);
  const send = (params: Record<string, string>) =>
    signedAwsFetch(fake.endpoint, {
      service: 'sns',
      region: REGION,
      credentials: TEST_CREDENTIALS,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', ...params }).toString(),
    });
  return { fake, send };
}

const answerOf = async (response: Response) => ({
  status: response.status,
  type: response.headers.get('content-type'),
  errorType: response.headers.get('x-amzn-errortype'),
  body: await response.text(),
});

describe('EventBridge fake on the wire', () => {
  it('answers PutEvents with exactly FailedEntryCount and one result per entry', async () => {
    const { fake, send } = await eventBridge();
    const body = JSON.stringify({
      Entries: [{ Source: 's', DetailType: 't', Detail: '{"a":1}' }, { Source: 's' }],
    });
    const answer = await answerOf(await send(body));
    expect(answer).toMatchObject({ status: 200, type: 'application/x-amz-json-1.1' });
    expect(JSON.parse(answer.body)).toEqual({
      FailedEntryCount: 1,
      Entries: [
        { EventId: fake.events[0]?.eventId },
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        },
      ],
    });
  });

  it('sends whole-request errors as __type and message with x-amzn-ErrorType', async () => {
    const { fake, send } = await eventBridge();
    fake.failRequests(1, { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' });
    const answer = await answerOf(await send(JSON.stringify({ Entries: [] })));
    expect(answer).toMatchObject({
      status: 400,
      type: 'application/x-amz-json-1.1',
      errorType: 'ThrottlingException',
    });
    expect(JSON.parse(answer.body)).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
  });

  it.each([
    ['an unknown target', '{"Entries":[]}', 'AWSEvents.PutRule', 'UnknownOperationException'],
    ['a body that is not JSON', '{"Entries":[', undefined, 'SerializationException'],
    ['Entries that are not a list', '{"Entries":{"Source":"s"}}', undefined, 'SerializationException'],
    [
      'a Time that is not epoch seconds',
      '{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","Time":"2026-01-01T00:00:00Z"}]}',
      undefined,
      'SerializationException',
    ],
    ['no Entries', '{}', undefined, 'ValidationException'],
    [
      'no entry with Source, DetailType and Detail',
      '{"Entries":[{"Source":"s"},{"Detail":"{}"}]}',
      undefined,
      'ValidationException',
    ],
    [
      'a bus name with a space',
      '{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","EventBusName":"a b"}]}',
      undefined,
      'ValidationException',
    ],
  ])('refuses %s as a whole', async (_what, body, target, code) => {
    const { fake, send } = await eventBridge();
    const answer = await answerOf(await send(body, target));
    expect({ status: answer.status, errorType: answer.errorType }).toEqual({ status: 400, errorType: code });
    expect(fake.events).toHaveLength(0);
  });

  it('refuses an unsigned request and one signed for another service', async () => {
    const { fake, send } = await eventBridge();
    const unsigned = await fetch(fake.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents' },
      body: '{}',
    });
    expect((await answerOf(unsigned)).errorType).toBe('MissingAuthenticationTokenException');
    const wrongService = await answerOf(await send('{"Entries":[]}', undefined, 'sns'));
    expect(wrongService.errorType).toBe('InvalidSignatureException');
    expect(JSON.parse(wrongService.body).message).toContain("scoped to correct service: 'events'");
  });
});

describe('SNS fake on the wire', () => {
  it('answers Publish with the PublishResponse XML document', async () => {
    const { fake, send } = await sns();
    const answer = await answerOf(await send({ TopicArn: topicArn('alerts'), Message: 'a b+c ✓ <&>' }));
    expect(answer).toMatchObject({ status: 200, type: 'text/xml' });
    expect(answer.body).toMatch(
      /^<PublishResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><PublishResult><MessageId>[0-9a-f-]{36}<\/MessageId><\/PublishResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/PublishResponse>$/,
    );
    expect(fake.messages[0]?.message).toBe('a b+c ✓ <&>');
  });

  it('sends errors as an ErrorResponse document with the status of their code', async () => {
    const { send } = await sns();
    const answer = await answerOf(await send({ TopicArn: topicArn('missing'), Message: 'x' }));
    expect(answer).toMatchObject({ status: 404, type: 'text/xml' });
    expect(answer.body).toMatch(
      /^<ErrorResponse xmlns="http:\/\/sns\.amazonaws\.com\/doc\/2010-03-31\/"><Error><Type>Sender<\/Type><Code>NotFound<\/Code><Message>Topic does not exist<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
  });

  it('escapes what it echoes into an error document', async () => {
    const { send } = await sns();
    const answer = await answerOf(await send({ Action: '<Publish>&' }));
    expect(answer.status).toBe(400);
    expect(answer.body).toContain(
      '<Code>InvalidAction</Code><Message>Could not find operation &lt;Publish&gt;&amp; for',
    );
  });

  it('deduplicates by content on a topic with ContentBasedDeduplication, unless the id differs', async () => {
    const { fake, send } = await sns();
    const publish = (extra: Record<string, string> = {}) =>
      send({ TopicArn: topicArn('runs.fifo'), Message: 'same', MessageGroupId: 'g', ...extra });
    const first = await (await publish()).text();
    expect(await (await publish()).text()).toContain(/<MessageId>([^<]+)</.exec(first)?.[1]);
    expect((await publish({ MessageDeduplicationId: 'other' })).status).toBe(200);
    expect(fake.messages.map((m) => m.messageDeduplicationId)).toEqual([undefined, 'other']);
  });

  it('counts attribute names, types and values toward the 256 KiB limit', async () => {
    const { fake, send } = await sns();
    const attribute = {
      'MessageAttributes.entry.1.Name': 'a',
      'MessageAttributes.entry.1.Value.DataType': 'String',
    };
    const fits = 'x'.repeat(262_144 - 'a'.length - 'String'.length - 1);
    const ok = await send({
      TopicArn: topicArn('alerts'),
      Message: fits,
      ...attribute,
      'MessageAttributes.entry.1.Value.StringValue': 'v',
    });
    expect(ok.status).toBe(200);
    const over = await send({
      TopicArn: topicArn('alerts'),
      Message: fits,
      ...attribute,
      'MessageAttributes.entry.1.Value.StringValue': 'vv',
    });
    expect(await answerOf(over)).toMatchObject({ status: 400 });
    expect(fake.messages).toHaveLength(1);
  });

  it('refuses an unsigned request with 403 MissingAuthenticationToken', async () => {
    const { fake } = await sns();
    const answer = await answerOf(await fetch(fake.endpoint, { method: 'POST', body: 'Action=Publish' }));
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });
});
