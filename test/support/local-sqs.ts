// Local AWS for tests: the local-aws-sqs emulator on 127.0.0.1 (behind sqs-proxy.ts), the
// bridge's own clients and real SDK clients pointed at local endpoints with dummy credentials
// (nothing can reach real AWS), and real-shaped Lambda events.
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LambdaFunctionURLEvent, SQSBatchResponse, SQSEvent, SQSMessageAttributes } from 'aws-lambda';
import { createSqsServer } from 'local-aws-sqs';
import {
  AwsJsonClient,
  type AwsService,
  SECRETS_MANAGER,
  SQS,
} from '../../lambda/adapters/aws/aws-json-client';
import {
  type GetSecretValue,
  getSecretValueWith,
  type SendMessageBatch,
  sendMessageBatchWith,
} from '../../lambda/adapters/aws/aws-operations';
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { type SqsProxy, startSqsProxy } from './sqs-proxy';

// The SDK warns (through process.emitWarning) that it will need Node 22; the Lambdas run on 24,
// and the warning would trip the no-console guard.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export function sqsClient(endpoint: string): SQSClient {
  return new SQSClient({ region: REGION, endpoint, credentials });
}

/** The bridge's own client for `service` at a local endpoint, as the Lambdas build it. */
export const bridgeClient = (service: AwsService, endpoint: string, maxAttempts: number) =>
  new AwsJsonClient({
    service,
    region: REGION,
    endpoint,
    credentials,
    maxAttempts,
    // Retries happen at once: the backoff is aws-json-client.test.ts's business.
    sleep: async () => undefined,
  });

/** SendMessageBatch over the bridge's own AWS client, as the receiver sends it. */
export function sendMessageBatchVia(endpoint: string): SendMessageBatch {
  return sendMessageBatchWith(bridgeClient(SQS, endpoint, 3));
}

/**
 * GetSecretValue over the bridge's own AWS client, as the Lambdas read secrets. One attempt per
 * call by default, so injected failures map 1:1 to what the store sees.
 */
export function getSecretValueVia(endpoint: string, maxAttempts = 1): GetSecretValue {
  return getSecretValueWith(bridgeClient(SECRETS_MANAGER, endpoint, maxAttempts));
}

/** The real SDK client. One attempt per call by default, like getSecretValueVia. */
export function secretsManagerClient(endpoint: string, maxAttempts = 1): SecretsManagerClient {
  return new SecretsManagerClient({ region: REGION, endpoint, credentials, maxAttempts });
}

export interface FifoQueues {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
}

export interface LocalSqs extends Pick<SqsProxy, 'failEntry' | 'batches' | 'requests' | 'rewriteVisibility'> {
  /** The proxy in front of the emulator: point every client here. */
  endpoint: string;
  /** The SDK's client, for a test's own set-up and reads. */
  client: SQSClient;
  /** The bridge's own client, as the worker calls SQS. */
  bridge: AwsJsonClient;
  /** A FIFO jobs queue with a FIFO DLQ behind a RedrivePolicy, as infra creates them. */
  createQueues(
    name: string,
    options?: { visibilityTimeout?: number; maxReceiveCount?: number },
  ): Promise<FifoQueues>;
  /** What a poller gets right now (no long polling), with every attribute. */
  receive(queueUrl: string, max?: number): Promise<Message[]>;
  close(): Promise<void>;
}

export async function startLocalSqs(): Promise<LocalSqs> {
  const server = await createSqsServer({
    port: 0,
    hostname: '127.0.0.1',
    emulateQueueCreationLifecycle: false,
  });
  const { port } = server.address() as AddressInfo;
  const proxy = await startSqsProxy(`http://127.0.0.1:${port}`);
  const { endpoint } = proxy;
  const client = sqsClient(endpoint);

  // The emulator names queues after its own port; point the URLs at the proxy instead, as a
  // real queue URL shares its host with the SQS endpoint (the SDK warns when they differ).
  const viaProxy = (queueUrl: string | undefined) => {
    const url = new URL(queueUrl ?? '');
    return new URL(`${url.pathname}${url.search}`, endpoint).toString();
  };

  const arnOf = async (queueUrl: string) => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const arn = Attributes?.QueueArn;
    if (!arn) throw new Error(`no ARN for ${queueUrl}`);
    return arn;
  };

  return {
    endpoint,
    client,
    bridge: bridgeClient(SQS, endpoint, 3),
    failEntry: (...args) => proxy.failEntry(...args),
    batches: proxy.batches,
    requests: proxy.requests,
    rewriteVisibility: (rewrite) => proxy.rewriteVisibility(rewrite),
    async createQueues(name, { visibilityTimeout = 30, maxReceiveCount = 10 } = {}) {
      const dlq = await client.send(
        new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }),
      );
      const dlqUrl = viaProxy(dlq.QueueUrl);
      const queue = await client.send(
        new CreateQueueCommand({
          QueueName: `${name}.fifo`,
          Attributes: {
            FifoQueue: 'true',
            VisibilityTimeout: String(visibilityTimeout),
            RedrivePolicy: JSON.stringify({ maxReceiveCount, deadLetterTargetArn: await arnOf(dlqUrl) }),
          },
        }),
      );
      const queueUrl = viaProxy(queue.QueueUrl);
      return { queueUrl, queueArn: await arnOf(queueUrl), dlqUrl };
    },
    async receive(queueUrl, max = 10) {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: 0,
          // The emulator answers only the older AttributeNames parameter; the Lambda event
          // source gets these system attributes either way.
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      return Messages ?? [];
    },
    async close() {
      client.destroy();
      await proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The event the Lambda SQS event source would pass for these received messages. */
export function sqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((message) => {
      const attributes = message.Attributes ?? {};
      const messageAttributes: SQSMessageAttributes = {};
      for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
        messageAttributes[name] = {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        };
      }
      return {
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: {
          ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
          SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
          SenderId: attributes.SenderId ?? 'AROAEXAMPLE',
          ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
          ...(attributes.MessageDeduplicationId
            ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
            : {}),
          ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
        },
        messageAttributes,
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: queueArn,
        awsRegion: REGION,
      };
    }),
  };
}

export interface PollResult {
  event: SQSEvent;
  response: SQSBatchResponse;
  /** Message ids the handler reported failed. */
  failed: string[];
}

/**
 * One poll of the Lambda SQS event source: receive a batch, invoke the handler, delete the
 * records it did not report failed (what the event source does with partial batch responses).
 */
export async function pollOnce(
  sqs: LocalSqs,
  queues: FifoQueues,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  /** The event source's batch size (infra uses 1). */
  batchSize = 10,
): Promise<PollResult> {
  const messages = await sqs.receive(queues.queueUrl, batchSize);
  const event = sqsEvent(messages, queues.queueArn);
  const response = await handler(event);
  const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
  const done = messages.filter((m) => !failed.includes(m.MessageId ?? ''));
  if (done.length > 0) {
    await sqs.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queues.queueUrl,
        Entries: done.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  return { event, response, failed };
}

export interface FunctionUrlRequest {
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Send the body base64-encoded, as Function URLs do for non-text content types. */
  base64?: boolean;
  method?: string;
}

/** `24/Nov/2026:12:00:00 +0000`, the format Lambda uses in requestContext.time. */
function clfTime(date: Date): string {
  const [, day, month, year, time] = date.toUTCString().split(' ');
  return `${day}/${month}/${year}:${time} +0000`;
}

/** A Lambda Function URL event (payload format 2.0) as Lambda builds it, auth type NONE. */
export function functionUrlEvent(request: FunctionUrlRequest): LambdaFunctionURLEvent {
  const { path, body, base64 = false, method = 'POST' } = request;
  const headers: Record<string, string> = {
    host: 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws',
    'user-agent': 'HashiCorp-Terraform-Cloud',
    'x-forwarded-proto': 'https',
    ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz012345',
      domainName: headers.host ?? '',
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz012345',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: body !== undefined && base64,
    ...(body === undefined ? {} : { body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body }),
  };
}

/** A JSON notification to `path` through a Function URL, signed with `secret` as HCP Terraform
 *  signs it. */
export function signedFunctionUrlEvent(path: string, body: string, secret: string): LambdaFunctionURLEvent {
  return functionUrlEvent({
    path,
    body,
    headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, secret) },
  });
}
