// The AWS side of the dead-letter archive tests: the SQS emulator, dynalite (delivery state and
// the archive table), Secrets Manager, a destination, and the real receiver and worker handlers
// over them. `useArchiveStack()` starts a fresh one for each test of the file.
import { afterEach, beforeEach, expect } from 'vitest';
import { DynamoDbDeadLetterArchive } from '../../lambda/adapters/aws/dead-letter-archive';
import { parseConfig } from '../../lambda/core/config/parse';
import type { WorkerHandler } from '../../lambda/worker';
import { receiverFor, workerFor } from './aws-handlers';
import { CaptureLogger } from './capture-logger';
import { type Behaviour, type DestinationServer, startDestination } from './destination-server';
import { startDeliveryState } from './local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  REGION,
  signedFunctionUrlEvent,
  startLocalSqs,
} from './local-sqs';
import { type SecretsManagerServer, startSecretsManager } from './secrets-manager-server';

export const HMAC = 'archive-cli-signing-token';
export const TOKEN = 'archive-cli-bearer-token-0123456789';
export const ARCHIVE = 'dead-letter-archive';

export interface ArchiveStack {
  sqs: LocalSqs;
  queues: FifoQueues;
  sm: SecretsManagerServer;
  api: DestinationServer;
  /** What the destination answers (503 until a test changes it). */
  behaviour: Behaviour;
  delivery: Awaited<ReturnType<typeof startDeliveryState>>;
  logger: CaptureLogger;
  /** The table `ARCHIVE`, as the worker and the CLI see it. */
  archive: DynamoDbDeadLetterArchive;
}

const config = (url: string) =>
  parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        allowInsecureHttp: true,
        destinations: ['a', 'b'].map((id) => ({
          id,
          url: `${url}/${id}`,
          auth: { type: 'bearer', secret: { secretId: 'token' } },
          // One try: the first 503 dead-letters the job.
          retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
          ordering: 'destination',
        })),
      },
    ],
  });

export function useArchiveStack(): ArchiveStack {
  const stack = {} as ArchiveStack;
  beforeEach(async () => {
    stack.delivery = await startDeliveryState();
    await stack.delivery.dynamo.createArchiveTable(ARCHIVE);
    stack.archive = new DynamoDbDeadLetterArchive(stack.delivery.dynamo.bridge, ARCHIVE, 30);
    stack.behaviour = () => ({ status: 503 });
    stack.logger = new CaptureLogger();
    [stack.sqs, stack.sm, stack.api] = await Promise.all([
      startLocalSqs(),
      startSecretsManager(),
      startDestination((request, n) => stack.behaviour(request, n)),
    ]);
    stack.queues = await stack.sqs.createQueues('archive-cli');
    stack.sm.setSecret('hmac', HMAC);
    stack.sm.setSecret('token', TOKEN);
  });
  afterEach(async () => {
    await stack.delivery.close();
    await Promise.all([stack.api.close(), stack.sm.close()]);
    await stack.sqs.close();
  });
  return stack;
}

export function workerWithArchive(stack: ArchiveStack, table: string): WorkerHandler {
  const { sqs, queues, sm, logger, delivery } = stack;
  return workerFor({
    config: config(stack.api.url),
    sqs,
    queues,
    sm,
    logger,
    state: delivery.state,
    deadLetterArchive: new DynamoDbDeadLetterArchive(delivery.dynamo.bridge, table, 30),
  });
}

/** Each body through the real receiver, signed: one job per destination on the jobs queue. */
export async function receiveAll(stack: ArchiveStack, bodies: readonly string[]): Promise<void> {
  const { sqs, queues, sm, logger } = stack;
  const receiver = receiverFor({ config: config(stack.api.url), sqs, queues, sm, logger });
  for (const body of bodies) {
    const response = await receiver(signedFunctionUrlEvent('/hooks/runs', body, HMAC));
    expect(response).toMatchObject({ statusCode: 202 });
  }
}

/** Runs the worker until the jobs queue is empty, like the event source would. */
export async function drain(stack: ArchiveStack, worker: WorkerHandler): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < 50; i++) {
    const result = await pollOnce(stack.sqs, stack.queues, worker);
    if (result.event.Records.length === 0) return failed;
    failed.push(...result.failed);
  }
  return failed;
}

/** The CLI's environment: the stack's region and local endpoints, dummy credentials. */
export const awsEnv = (stack: ArchiveStack) => ({
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_SQS: stack.sqs.endpoint,
  AWS_ENDPOINT_URL_DYNAMODB: stack.delivery.dynamo.endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** `list`'s stdout, one record per line. */
export const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
