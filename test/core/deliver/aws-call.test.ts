// AWS-native destinations in core: the config they take, the API call built from a notification
// (what AWS receives), and what AWS's answers mean (delivered, retried, dead-lettered).
import { describe, expect, it } from 'vitest';
import { createAwsEndpointResolver } from '../../../lambda/adapters/aws/aws-endpoints';
import { awsTargetOf } from '../../../lambda/core/config/aws-targets';
import { parseConfig } from '../../../lambda/core/config/parse';
import { classifyAwsAnswer } from '../../../lambda/core/deliver/aws-call';
import { buildRequest, type DeliveryTarget } from '../../../lambda/core/deliver/request';
import { ConfigError, RequestError } from '../../../lambda/core/errors';
import { jobIdFor } from '../../../lambda/core/receive/jobs';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compileTemplate } from '../../../lambda/core/render/templates';
import { fixture } from '../../support/fixtures';
import { MemorySecretStore } from '../../support/memory-secret-store';

const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:runs`;
const QUEUE = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/runs.fifo`;

function targetFor(destination: Record<string, unknown>): DeliveryTarget {
  const config = parseConfig({
    routes: [{ id: 'r', allowUnsigned: true, destinations: [{ id: 'd', ...destination }] }],
  });
  const route = config.routes[0];
  const parsed = route?.destinations[0];
  if (!route || !parsed) throw new Error('no destination');
  return { route, destination: parsed, render: compileTemplate(parsed.template) };
}

const body = fixture('tfe-run-errored');
const input = { body, notification: classifyPayload(JSON.parse(body)) };
const endpoints = createAwsEndpointResolver({ AWS_REGION: 'us-east-2' });
const build = (destination: Record<string, unknown>, awsEndpoint = endpoints) =>
  buildRequest(targetFor(destination), input, new MemorySecretStore({}), { seen: new Set(), awsEndpoint });

/** The SendMessage call for a payload of the test's own making. */
const sendToQueue = (payload: Record<string, unknown>) =>
  buildRequest(
    targetFor({ sqs: { queueUrl: QUEUE } }),
    { body: JSON.stringify(payload), notification: classifyPayload(payload) },
    new MemorySecretStore({}),
    { seen: new Set(), awsEndpoint: endpoints },
  );

const configProblems = (destination: Record<string, unknown>): string[] => {
  try {
    targetFor(destination);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
};

const noHeaders = { get: () => null };

describe('config', () => {
  it('takes exactly one of url, eventbridge, sns and sqs', () => {
    expect(configProblems({})).toEqual([
      expect.stringMatching(/url: is required: where to deliver \(or set eventbridge, sns or sqs/),
    ]);
    expect(configProblems({ url: 'https://x.example.com/', sns: { topicArn: TOPIC } })).toEqual([
      expect.stringContaining(
        'set only one of url, eventbridge, sns and sqs (this destination sets url and sns)',
      ),
    ]);
  });

  it('refuses what an AWS target would silently not use, and malformed ARNs and URLs', () => {
    const problems = configProblems({
      sqs: { queueUrl: 'http://localhost:9324/000000000000/runs' },
      auth: { type: 'bearer', secret: { secretId: 'x' } },
      sign: { scheme: 'standard-webhooks', secret: { secretId: 'w' } },
    });
    expect(problems.join('\n')).toMatch(/sqs\.queueUrl: must be an SQS queue URL/);
    expect(problems.join('\n')).toMatch(/auth: is not used by an sqs destination/);
    expect(problems.join('\n')).toMatch(/sign: is not used by an sqs destination/);
    expect(configProblems({ sns: { topicArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:runs` } })).toEqual([
      expect.stringContaining('sns.topicArn: must be an SNS topic ARN'),
    ]);
    expect(configProblems({ sqs: { queueUrl: QUEUE }, idempotencyHeader: false })).toEqual([
      expect.stringContaining('idempotencyHeader: is not used by an sqs destination'),
    ]);
    expect(configProblems({ eventbridge: { busName: 'default', source: 'aws.s3' } })).toEqual([
      expect.stringContaining('source: must not start with "aws."'),
    ]);
  });

  it('refuses a region beside a bus ARN, which names its own region', () => {
    expect(
      configProblems({
        eventbridge: { busName: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/tf`, region: 'us-east-1' },
      }),
    ).toEqual([expect.stringContaining('eventbridge.region: is only for a bus named by name')]);
    expect(configProblems({ eventbridge: { busName: 'tf', region: 'us-east-1' } })).toEqual([]);
  });

  it("takes queue and topic names up to AWS's limits, the .fifo suffix counted in", () => {
    const queue = (name: string) => ({
      sqs: { queueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/${name}` },
    });
    const topic = (name: string) => ({ sns: { topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:${name}` } });
    expect(configProblems(queue(`${'q'.repeat(75)}.fifo`))).toEqual([]);
    expect(configProblems(queue('q'.repeat(80)))).toEqual([]);
    expect(configProblems(queue(`${'q'.repeat(76)}.fifo`))).toEqual([
      expect.stringContaining('sqs.queueUrl'),
    ]);
    expect(configProblems(queue('q'.repeat(81)))).toEqual([expect.stringContaining('sqs.queueUrl')]);
    expect(configProblems(topic(`${'t'.repeat(251)}.fifo`))).toEqual([]);
    expect(configProblems(topic(`${'t'.repeat(252)}.fifo`))).toEqual([
      expect.stringContaining('sns.topicArn'),
    ]);
    expect(configProblems(topic('t'.repeat(257)))).toEqual([expect.stringContaining('sns.topicArn')]);
  });

  it('takes the European Sovereign Cloud (eusc-de-east-1) as a region', async () => {
    const queueUrl = `https://sqs.eusc-de-east-1.amazonaws.eu/${ACCOUNT}/runs`;
    expect(configProblems({ sqs: { queueUrl } })).toEqual([]);
    expect(configProblems({ eventbridge: { busName: 'tf', region: 'eusc-de-east-1' } })).toEqual([]);
    expect((await build({ sqs: { queueUrl } })).url).toBe('https://sqs.eusc-de-east-1.amazonaws.eu/');
  });

  it('knows where each target is', () => {
    const bus = targetFor({ eventbridge: { busName: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/tf` } });
    expect(awsTargetOf(bus.destination)).toMatchObject({ region: 'eu-west-1', account: ACCOUNT, name: 'tf' });
    expect(awsTargetOf(targetFor({ sqs: { queueUrl: QUEUE } }).destination)).toMatchObject({
      region: 'eu-west-1',
      account: ACCOUNT,
      name: 'runs.fifo',
      fifo: true,
    });
    expect(awsTargetOf(targetFor({ url: 'https://x.example.com/' }).destination)).toBeUndefined();
  });
});

describe('the call', () => {
  it('puts the rendered template into one PutEvents entry, detail-type the trigger by default', async () => {
    const request = await build({ eventbridge: { busName: 'default' } });
    expect(request.url).toBe('https://events.us-east-2.amazonaws.com/');
    expect(request.headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.PutEvents',
    });
    expect(JSON.parse(request.body)).toEqual({
      Entries: [{ EventBusName: 'default', Source: 'tfe-bridge', DetailType: 'run:errored', Detail: body }],
    });
  });

  it('uses the payload kind as detail-type for a trigger EventBridge would fail (empty, over 128)', async () => {
    const detailTypeFor = async (trigger: string) => {
      const odd = JSON.parse(body);
      odd.notifications[0].trigger = trigger;
      const request = await buildRequest(
        targetFor({ eventbridge: { busName: 'default' } }),
        { body: JSON.stringify(odd), notification: classifyPayload(odd) },
        new MemorySecretStore({}),
        { seen: new Set(), awsEndpoint: endpoints },
      );
      return JSON.parse(request.body).Entries[0].DetailType;
    };
    expect(await detailTypeFor(`run:${'x'.repeat(124)}`)).toBe(`run:${'x'.repeat(124)}`);
    expect(await detailTypeFor(`run:${'x'.repeat(125)}`)).toBe('run');
    expect(await detailTypeFor('')).toBe('run');
  });

  it('refuses a template whose result cannot be an event detail, before anything is sent', async () => {
    const attempt = build({ eventbridge: { busName: 'default' }, template: { jsonata: '"just text"' } });
    await expect(attempt).rejects.toBeInstanceOf(RequestError);
    await expect(attempt).rejects.toThrow(/must render a JSON object/);
  });

  it('sends to a FIFO queue with the ordering group and the job id as deduplication id', async () => {
    const request = await build({ sqs: { queueUrl: QUEUE } });
    expect(request.url).toBe('https://sqs.eu-west-1.amazonaws.com/');
    const sent = JSON.parse(request.body);
    expect(sent).toMatchObject({
      QueueUrl: QUEUE,
      MessageBody: body,
      MessageGroupId: `r/d/${input.notification.workspaceId}`,
      MessageDeduplicationId: jobIdFor('r', 'd', body),
    });
    expect(sent.MessageAttributes.trigger).toEqual({ DataType: 'String', StringValue: 'run:errored' });
  });

  it('hashes a group id SQS would refuse (over 128 characters or not ASCII)', async () => {
    const long = JSON.parse(body);
    long.workspace_id = undefined;
    long.workspace_name = `ws-${'é'.repeat(200)}`;
    const request = await sendToQueue(long);
    expect(JSON.parse(request.body).MessageGroupId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('leaves out a trigger attribute SQS and SNS would refuse, and still sends the message', async () => {
    const hostile = JSON.parse(body);
    hostile.notifications[0].trigger = 'run:\u0000\ud800errored';
    const request = await sendToQueue(hostile);
    const sent = JSON.parse(request.body);
    expect(sent.MessageBody).toBe(JSON.stringify(hostile));
    expect(Object.keys(sent.MessageAttributes)).toEqual(['idempotency-key', 'kind']);
  });

  it('publishes to SNS in its Query protocol, with the endpoint an override names', async () => {
    const local = createAwsEndpointResolver({
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:4566/aws',
    });
    const request = await build({ sns: { topicArn: TOPIC } }, local);
    expect(request.url).toBe('http://127.0.0.1:4566/aws/');
    const form = new URLSearchParams(request.body);
    expect(form.get('Action')).toBe('Publish');
    expect(form.get('TopicArn')).toBe(TOPIC);
    expect(form.get('Message')).toBe(body);
    expect(form.get('MessageGroupId')).toBeNull();
    expect(form.get('MessageAttributes.entry.1.Name')).toBe('idempotency-key');
  });

  it('says where the region is missing from', async () => {
    await expect(
      build({ eventbridge: { busName: 'default' } }, createAwsEndpointResolver({})),
    ).rejects.toThrow(/no region: name it in the config .* or set AWS_REGION/);
  });
});

describe("AWS's answers", () => {
  const bus = awsTargetOf(targetFor({ eventbridge: { busName: 'default' } }).destination);
  const sqs = awsTargetOf(targetFor({ sqs: { queueUrl: QUEUE } }).destination);
  const sns = awsTargetOf(targetFor({ sns: { topicArn: TOPIC } }).destination);
  if (!bus || !sqs || !sns) throw new Error('no targets');
  const failedEntry = (code: string) =>
    JSON.stringify({ FailedEntryCount: 1, Entries: [{ ErrorCode: code, ErrorMessage: 'no' }] });

  it('reads a PutEvents 200 entry by entry', () => {
    expect(
      classifyAwsAnswer(bus, 200, '{"FailedEntryCount":0,"Entries":[{"EventId":"e"}]}', noHeaders),
    ).toEqual({
      outcome: 'delivered',
      status: 200,
    });
    expect(classifyAwsAnswer(bus, 200, failedEntry('ThrottlingException'), noHeaders)).toMatchObject({
      outcome: 'retry',
      error: 'EventBridge refused the event: ThrottlingException: no',
    });
    expect(classifyAwsAnswer(bus, 200, failedEntry('InternalFailure'), noHeaders).outcome).toBe('retry');
    expect(classifyAwsAnswer(bus, 200, failedEntry('AccessDeniedException'), noHeaders).outcome).toBe(
      'permanent',
    );
    expect(classifyAwsAnswer(bus, 200, 'not json', noHeaders).outcome).toBe('retry');
  });

  it('retries throttling and AWS faults, dead-letters the rest, naming the code', () => {
    const throttled = classifyAwsAnswer(
      sqs,
      400,
      '{"__type":"com.amazonaws.sqs#ThrottlingException","message":"slow"}',
      noHeaders,
    );
    expect(throttled).toEqual({
      outcome: 'retry',
      status: 400,
      error: 'SQS HTTP 400: ThrottlingException: slow',
    });
    const gone = classifyAwsAnswer(
      sqs,
      400,
      '{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}',
      {
        get: (name: string) =>
          name === 'x-amzn-query-error' ? 'AWS.SimpleQueueService.NonExistentQueue;Sender' : null,
      },
    );
    expect(gone).toMatchObject({ outcome: 'permanent', error: expect.stringContaining('NonExistentQueue') });
    const xml =
      '<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error></ErrorResponse>';
    expect(classifyAwsAnswer(sns, 404, xml, noHeaders)).toEqual({
      outcome: 'permanent',
      status: 404,
      error: 'SNS HTTP 404: NotFound: Topic does not exist',
    });
    expect(classifyAwsAnswer(sns, 503, '', noHeaders).outcome).toBe('retry');
    expect(classifyAwsAnswer(sns, 400, xml.replace('NotFound', 'KMSThrottling'), noHeaders).outcome).toBe(
      'retry',
    );
    expect(classifyAwsAnswer(sns, 400, xml.replace('NotFound', 'Throttling'), noHeaders).outcome).toBe(
      'retry',
    );
  });

  it("retries KMS throttling of an encrypted queue, in SQS's JSON answer as the SDK reads it", () => {
    // KmsThrottled: HTTP 400, its query code in x-amzn-query-error (client-sqs's error table).
    const snippet = '{"__type":"com.amazonaws.sqs#KmsThrottled","message":"Rate exceeded"}';
    const queryError = {
      get: (name: string) => (name === 'x-amzn-query-error' ? 'KMS.ThrottlingException;Sender' : null),
    };
    expect(classifyAwsAnswer(sqs, 400, snippet, queryError)).toEqual({
      outcome: 'retry',
      status: 400,
      error: 'SQS HTTP 400: KMS.ThrottlingException: Rate exceeded',
    });
    expect(classifyAwsAnswer(sqs, 400, snippet, noHeaders).outcome).toBe('retry');
    // A disabled key stays a config problem.
    const disabled = {
      get: (name: string) => (name === 'x-amzn-query-error' ? 'KMS.DisabledException;Sender' : null),
    };
    expect(classifyAwsAnswer(sqs, 400, '{"__type":"com.amazonaws.sqs#KmsDisabled"}', disabled).outcome).toBe(
      'permanent',
    );
  });
});
