// A fake Amazon SNS on 127.0.0.1 that speaks Publish over the AWS Query protocol (2010-03-31),
// as checked against the real @aws-sdk/client-sns (no SNS emulator exists on npm).
import { createHash, randomUUID } from 'node:crypto';
import {
  type AwsCredentials,
  checkSignature,
  FAKE_ACCOUNT_ID,
  type FakeAnswer,
  failureQueue,
  serveAwsFake,
  TEST_CREDENTIALS,
  waitForCount,
} from './aws-fake-http';
import type { ReceivedRequest } from './destination-server';
import { validateAttributes } from './sns-message-attributes';

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  /** The Message parameter exactly as sent. */
  message: string;
  subject?: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  /** By name; `value` is the StringValue, or the BinaryValue as sent (base64). */
  attributes: Record<string, { dataType: string; value: string }>;
  /** From the signature's credential scope. */
  region: string;
}

export interface SnsTopic {
  arn: string;
  contentBasedDeduplication?: boolean;
  /** The topic's MaximumMessageSize attribute (SNS allows up to 1 MiB); 256 KiB by default. */
  maximumMessageSize?: number;
}

export interface SnsFake {
  endpoint: string;
  messages: PublishedMessage[];
  requests: ReceivedRequest[];
  /** The next `times` requests get an error answer: HTTP status + Query error Code. */
  failRequests(times: number, error: { status: number; code: string; message: string }): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<PublishedMessage[]>;
  close(): Promise<void>;
}

/** A topic ARN in the fake's account. */
export const topicArn = (name: string, region = 'us-east-1') =>
  `arn:aws:sns:${region}:${FAKE_ACCOUNT_ID}:${name}`;

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const VERSION = '2010-03-31';
const DEFAULT_MAX_MESSAGE_BYTES = 262_144;
const DEDUPLICATION_WINDOW_MS = 5 * 60_000;
const TOPIC_ARN = /^arn:aws[\w-]*:sns:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
/** MessageGroupId and MessageDeduplicationId: up to 128 alphanumerics and ASCII punctuation. */
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

const hasControlCharacter = (text: string) =>
  [...text].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

const xml = (status: number, body: string, requestId: string): FakeAnswer => ({
  status,
  headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
  body,
});

/** An error as Query APIs send it; Sender for the caller's faults, Receiver for ours. */
function fail(status: number, code: string, message: string): FakeAnswer {
  const requestId = randomUUID();
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return xml(
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    requestId,
  );
}

const invalid = (message: string) => fail(400, 'InvalidParameter', `Invalid parameter: ${message}`);

/** The parameters of a Query request: the form body of a POST, else the query string. */
function parametersOf(request: ReceivedRequest): URLSearchParams {
  const form = String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  return form ? new URLSearchParams(request.body) : new URL(request.path, 'http://fake').searchParams;
}

interface Published {
  messageId: string;
  sequenceNumber?: string;
  at: number;
}

export async function startSnsFake(
  options: { credentials?: AwsCredentials; topics?: Array<string | SnsTopic> } = {},
): Promise<SnsFake> {
  const credentials = options.credentials ?? TEST_CREDENTIALS;
  const topics = new Map<string, SnsTopic>();
  for (const topic of options.topics ?? []) {
    const described = typeof topic === 'string' ? { arn: topic } : topic;
    topics.set(described.arn, described);
  }
  const messages: PublishedMessage[] = [];
  const requestFailures = failureQueue<{ status: number; code: string; message: string }>();
  /** Per FIFO topic, what each deduplication id published (FifoThroughputScope Topic). */
  const deduplication = new Map<string, Map<string, Published>>();
  let sequence = 10_000_000_000_000_000_000n;

  const publish = (params: URLSearchParams, region: string): FakeAnswer => {
    const arn = params.get('TopicArn') ?? params.get('TargetArn');
    if (!arn) {
      if (params.get('PhoneNumber')) return invalid('PhoneNumber Reason: SMS is not supported by this fake');
      return invalid('TopicArn or TargetArn Reason: no value for required parameter');
    }
    const parts = TOPIC_ARN.exec(arn);
    // A topic is only reachable through its own region's endpoint.
    if (!parts || parts[1] !== region) return invalid('TopicArn');
    const topic = topics.get(arn);
    if (!topic) return fail(404, 'NotFound', 'Topic does not exist');
    const fifo = arn.endsWith('.fifo');

    const message = params.get('Message');
    if (message === null || message === '') return invalid('Empty message');
    const structure = params.get('MessageStructure');
    if (structure !== null) {
      if (structure !== 'json') return invalid('MessageStructure');
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        return invalid('Message Structure - JSON message body failed to parse');
      }
      if (typeof (parsed as { default?: unknown } | null)?.default !== 'string') {
        return invalid('Message Structure - No default entry in JSON message body');
      }
    }
    const subject = params.get('Subject');
    // Subjects: no line breaks or control characters, under 100 characters.
    if (subject !== null && (subject === '' || subject.length >= 100 || hasControlCharacter(subject))) {
      return invalid('Subject');
    }

    const groupId = params.get('MessageGroupId');
    const deduplicationId = params.get('MessageDeduplicationId');
    if (fifo && groupId === null) return invalid('The MessageGroupId parameter is required for FIFO topics');
    if (groupId !== null && !FIFO_ID.test(groupId)) return invalid('MessageGroupId');
    if (!fifo && deduplicationId !== null) {
      return invalid(
        'The request includes MessageDeduplicationId parameter that is not valid for this topic type',
      );
    }
    if (fifo && deduplicationId === null && !topic.contentBasedDeduplication) {
      return invalid(
        'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      );
    }
    if (deduplicationId !== null && !FIFO_ID.test(deduplicationId)) return invalid('MessageDeduplicationId');

    const attributes = validateAttributes(params);
    if ('error' in attributes) return fail(400, 'ParameterValueInvalid', attributes.error);
    // SNS checks the body and the attributes (names, types, values) against one limit.
    const size = Buffer.byteLength(message) + attributes.bytes;
    if (size > (topic.maximumMessageSize ?? DEFAULT_MAX_MESSAGE_BYTES)) return invalid('Message too long');

    const requestId = randomUUID();
    const answer = ({ messageId, sequenceNumber }: Published) =>
      xml(
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${messageId}</MessageId>${
          sequenceNumber === undefined ? '' : `<SequenceNumber>${sequenceNumber}</SequenceNumber>`
        }</PublishResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`,
        requestId,
      );

    // A duplicate within the window is accepted, answered like the original, and not delivered.
    const effectiveDedupId = fifo
      ? (deduplicationId ?? createHash('sha256').update(message).digest('hex'))
      : undefined;
    const seen = deduplication.get(arn) ?? new Map<string, Published>();
    deduplication.set(arn, seen);
    const now = Date.now();
    const earlier = effectiveDedupId === undefined ? undefined : seen.get(effectiveDedupId);
    if (earlier && now - earlier.at < DEDUPLICATION_WINDOW_MS) return answer(earlier);

    const published: Published = { messageId: randomUUID(), at: now };
    if (fifo) {
      sequence += 1_000n + BigInt(Math.floor(Math.random() * 1_000)); // large, increasing, not consecutive
      published.sequenceNumber = sequence.toString();
    }
    if (effectiveDedupId !== undefined) seen.set(effectiveDedupId, published);
    messages.push({
      messageId: published.messageId,
      topicArn: arn,
      message,
      ...(subject === null ? {} : { subject }),
      ...(groupId === null ? {} : { messageGroupId: groupId }),
      ...(deduplicationId === null ? {} : { messageDeduplicationId: deduplicationId }),
      attributes: attributes.values,
      region,
    });
    return answer(published);
  };

  const handle = async (request: ReceivedRequest): Promise<FakeAnswer> => {
    const signed = await checkSignature(request, credentials, 'sns');
    if ('kind' in signed) {
      const code = {
        missing: 'MissingAuthenticationToken',
        'unknown-key': 'InvalidClientTokenId',
        mismatch: 'SignatureDoesNotMatch',
      }[signed.kind];
      return fail(403, code, signed.message);
    }
    const injected = requestFailures.take();
    if (injected) return fail(injected.status, injected.code, injected.message);
    const params = parametersOf(request);
    const action = params.get('Action');
    if (!action) return fail(400, 'MissingAction', 'Missing Action');
    const version = params.get('Version') ?? VERSION;
    if (action !== 'Publish' || version !== VERSION) {
      return fail(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
    }
    return publish(params, signed.region);
  };

  const server = await serveAwsFake(handle);
  return {
    endpoint: server.endpoint,
    messages,
    requests: server.requests,
    failRequests: (times, error) => requestFailures.add(times, error),
    waitForMessages: (count, timeoutMs) => waitForCount(messages, count, 'messages', timeoutMs),
    close: () => server.close(),
  };
}
