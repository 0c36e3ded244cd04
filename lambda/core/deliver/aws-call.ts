// The AWS API call of an AWS-native destination (EventBridge PutEvents, SNS Publish, SQS
// SendMessage) with the rendered template as its event or message, and what AWS's answer means
// for the delivery: delivered, retried (throttling, AWS-side faults), or dead-lettered.
import { createHash } from 'node:crypto';
import type { AwsTarget } from '../config/aws-targets';
import { RequestError } from '../errors';
import type { AwsEndpointResolver } from '../ports';
import type { AttemptResult } from './retry-policy';

/** What the call carries besides the body: the same on every retry of the job. */
export interface AwsCallContext {
  /** The job id: SQS and SNS FIFO deduplication id, and the `idempotency-key` attribute. */
  jobId: string;
  /** The job's ordering group: the FIFO message group, so order is kept where the bridge keeps it. */
  group: string;
  trigger: string | undefined;
  kind: string;
}

export interface AwsCall {
  url: string;
  region: string;
  headers: Record<string, string>;
  body: string;
}

const JSON_1_0 = 'application/x-amz-json-1.0';
const JSON_1_1 = 'application/x-amz-json-1.1';
/** FIFO group and deduplication ids: at most 128 characters of ASCII punctuation and alphanumerics. */
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

/** A group id SQS and SNS accept: the group itself, or (too long, or a name with spaces or
 *  non-ASCII) a hash of it, which keeps the same group for the same workspace. */
function fifoGroupId(group: string): string {
  return FIFO_ID.test(group) ? group : createHash('sha256').update(group).digest('hex');
}

/** A trigger as an attribute value: printable ASCII, as every trigger HashiCorp sends is. A
 *  payload's other text (control characters, lone surrogates) would make SNS and SQS refuse the
 *  whole message, so such a trigger is left out rather than the notification lost. */
const ATTRIBUTE_TEXT = /^[\x20-\x7e]{1,256}$/;
/** A trigger as an event's detail-type: EventBridge fails an entry whose DetailType is empty or
 *  over 128 characters, so such a trigger gives way to the payload kind. */
const DETAIL_TYPE_TEXT = /^[\x20-\x7e]{1,128}$/;

/** Message attributes for SNS filter policies and SQS consumers. */
function attributesOf(context: AwsCallContext): Array<[string, string]> {
  const { trigger } = context;
  return [
    ['idempotency-key', context.jobId],
    ['kind', context.kind],
    ...(trigger && ATTRIBUTE_TEXT.test(trigger) ? ([['trigger', trigger]] as Array<[string, string]>) : []),
  ];
}

export function buildAwsCall(
  target: AwsTarget,
  body: string,
  context: AwsCallContext,
  resolve: AwsEndpointResolver,
): AwsCall {
  const { url, region } = resolve(target.service, target.region);
  // An override may have a path (a proxy): kept, as the SDK keeps it.
  const base = new URL(url);
  base.pathname = base.pathname.replace(/\/?$/, '/');
  const endpoint = base.toString();
  if (target.kind === 'eventbridge') {
    const problem = eventDetailProblem(body);
    if (problem !== null) throw new RequestError(problem);
    const { busName, source, detailType } = target.config;
    const entry = {
      EventBusName: busName,
      Source: source,
      DetailType:
        detailType ??
        (context.trigger && DETAIL_TYPE_TEXT.test(context.trigger) ? context.trigger : context.kind),
      Detail: body,
    };
    return {
      url: endpoint,
      region,
      headers: { 'content-type': JSON_1_1, 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({ Entries: [entry] }),
    };
  }
  const fifo = target.fifo
    ? { MessageGroupId: fifoGroupId(context.group), MessageDeduplicationId: context.jobId }
    : {};
  if (target.kind === 'sqs') {
    const attributes = Object.fromEntries(
      attributesOf(context).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    );
    return {
      url: endpoint,
      region,
      headers: { 'content-type': JSON_1_0, 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: JSON.stringify({
        QueueUrl: target.url,
        MessageBody: body,
        MessageAttributes: attributes,
        ...fifo,
      }),
    };
  }
  // SNS speaks the Query protocol: a form body, XML answers.
  const form = new URLSearchParams({ Action: 'Publish', Version: '2010-03-31', TopicArn: target.arn });
  form.set('Message', body);
  for (const [name, value] of Object.entries(fifo)) form.set(name, value);
  attributesOf(context).forEach(([name, value], index) => {
    const at = `MessageAttributes.entry.${index + 1}`;
    form.set(`${at}.Name`, name);
    form.set(`${at}.Value.DataType`, 'String');
    form.set(`${at}.Value.StringValue`, value);
  });
  return {
    url: endpoint,
    region,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: form.toString(),
  };
}

/** Why a rendered body cannot be an EventBridge event's detail, or null when it can. */
export function eventDetailProblem(body: string): string | null {
  return parseObject(body) === undefined
    ? 'eventbridge: the template must render a JSON object (it becomes the event detail)'
    : null;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** AWS error codes that mean "try again later": throttling, AWS-side faults, expired credentials
 *  (the credential chain renews them). Everything else a 4xx names is the config's or the
 *  target's problem (AccessDenied, NotFound, a message too large) and is dead-lettered. */
const RETRYABLE_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InternalError',
  'InternalException',
  'InternalFailure',
  // KMS throttling the key of an encrypted topic (SNS) or queue (SQS: its query code, then its
  // JSON `__type`): throttling like any other, though the SDK files it as a client error.
  'KMS.ThrottlingException',
  'KMSThrottling',
  'KMSThrottlingException',
  'KmsThrottled',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestExpired',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'SlowDown',
  'Throttled',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

const LABELS = { eventbridge: 'EventBridge', sns: 'SNS', sqs: 'SQS' } as const;

/** The error code and message of an AWS error answer, in JSON (`__type`, `message`) or XML. */
export function awsErrorOf(
  snippet: string,
  headers: { get(name: string): string | null },
): { code: string; message: string } {
  const json = parseObject(snippet);
  const rawCode =
    headers.get('x-amzn-query-error')?.split(';')[0] ??
    (typeof json?.__type === 'string' ? json.__type : undefined) ??
    headers.get('x-amzn-errortype') ??
    /<Code>([^<]*)<\/Code>/.exec(snippet)?.[1] ??
    '';
  // `com.amazonaws.sqs#QueueDoesNotExist`, `ThrottlingException:http://...`: the name alone.
  const code = (rawCode.split(':')[0] ?? '').split('#').pop() ?? '';
  const message =
    (typeof json?.message === 'string' ? json.message : undefined) ??
    (typeof json?.Message === 'string' ? json.Message : undefined) ??
    /<Message>([^<]*)<\/Message>/.exec(snippet)?.[1] ??
    '';
  return { code, message };
}

/** What AWS's answer to the call means for the delivery. */
export function classifyAwsAnswer(
  target: AwsTarget,
  status: number,
  snippet: string,
  headers: { get(name: string): string | null },
): AttemptResult {
  const label = LABELS[target.kind];
  if (status >= 200 && status < 300) {
    if (target.kind !== 'eventbridge') return { outcome: 'delivered', status };
    // PutEvents answers 200 even when the entry failed: the entry's ErrorCode says why.
    const answer = parseObject(snippet);
    if (answer === undefined || typeof answer.FailedEntryCount !== 'number') {
      return { outcome: 'retry', status, error: `${label}: unreadable PutEvents answer` };
    }
    if (answer.FailedEntryCount === 0) return { outcome: 'delivered', status };
    const [entry] = Array.isArray(answer.Entries) ? (answer.Entries as Array<Record<string, unknown>>) : [];
    const code = String(entry?.ErrorCode ?? 'unknown');
    const error = `${label} refused the event: ${code}: ${String(entry?.ErrorMessage ?? '')}`;
    // No `status`: the 200 is not the outcome, and a failed entry is not an outage of the API.
    return RETRYABLE_CODES.has(code) ? { outcome: 'retry', error } : { outcome: 'permanent', error };
  }
  const { code, message } = awsErrorOf(snippet, headers);
  const error = `${label} HTTP ${status}${code ? `: ${code}` : ''}${message ? `: ${message}` : ''}`;
  const retry = status >= 500 || status === 429 || RETRYABLE_CODES.has(code);
  return { outcome: retry ? 'retry' : 'permanent', status, error };
}
