// The two ways a notification reaches the burst benchmark's destination: the local bridge as
// `serve` runs it (own process), and the AWS path simulated in this process (receiver handler →
// local-aws-sqs → the FIFO poller with one worker handler per container → destination).
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsCaller } from '../lambda/adapters/aws/aws-caller';
import { DynamoDbDeliveryState } from '../lambda/adapters/aws/dynamodb-delivery-state';
import { createLocalLogger } from '../lambda/adapters/local/pino-logger';
import type { Logger } from '../lambda/core/ports';
import { type LocalAws, receiverFor, workerFor } from '../test/support/aws-handlers';
import { type SqsHandler, startFifoPoller } from '../test/support/fifo-poller';
import { startDeliveryState } from '../test/support/local-dynamodb';
import { functionUrlEvent, startLocalSqs } from '../test/support/local-sqs';
import { startSecretsManager } from '../test/support/secrets-manager-server';
import { BENCH_SECRETS, type BenchDestination, benchConfig } from './bench-config';
import type { Sender } from './http-sender';
import { BENCH_ROUTE_ID, type SignedNotification } from './notifications';
import { startServerChild } from './server-child';

export interface BurstPath {
  /** Accepts one signed notification; resolves with the HTTP status it was answered. */
  post(notification: SignedNotification): Promise<number>;
  /** Dead letters so far, and what else the path counts (worker invocations). */
  stats(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * The worker containers of the simulated AWS path, `count` of them, each a separate handler
 * with its own clients, sharing the delivery state (a table in dynalite) as deployed workers do.
 */
export type BuildWorkers = (
  aws: LocalAws,
  count: number,
) => Promise<{
  handlers: SqsHandler[];
  /** DynamoDB requests so far, per operation. */
  requests?: () => Record<string, number>;
  close?: () => Promise<void>;
}>;

export const buildWorkers: BuildWorkers = async (aws, count) => {
  const delivery = await startDeliveryState();
  const requests: Record<string, number> = {};
  // Every call of the shared state, counted by operation on its way to dynalite.
  const counted: AwsCaller = {
    call(operation, input) {
      requests[operation] = (requests[operation] ?? 0) + 1;
      return delivery.dynamo.bridge.call(operation, input);
    },
  };
  const state = new DynamoDbDeliveryState({ tableName: delivery.tableName, client: counted });
  return {
    handlers: Array.from({ length: count }, () => workerFor({ ...aws, state })),
    requests: () => ({ ...requests }),
    close: () => delivery.close(),
  };
};

export async function startLocalPath(destination: BenchDestination, sender: Sender): Promise<BurstPath> {
  const bridge = await startServerChild('bridge-local', { destinations: [destination] });
  const url = `${bridge.url}/hooks/${BENCH_ROUTE_ID}`;
  return {
    post: ({ body, headers }) => sender.post(url, body, headers),
    stats: () => bridge.stats(),
    close: () => bridge.close(),
  };
}

export async function startAwsPath(
  destination: BenchDestination,
  build: BuildWorkers,
  logger: Logger = createLocalLogger({ stream: { write: () => {} } }),
): Promise<BurstPath> {
  // The stack's settings, so the simulation follows infra (loaded here: aws-cdk-lib is slow to
  // import, and only this benchmark needs it).
  const stack = { ...(await import('../infra/function-sizing')), ...(await import('../infra/job-queue')) };
  const config = benchConfig([destination]);
  const workerTimeoutS = stack.workerTimeoutFor(config).toSeconds();
  const concurrency = stack.workerMaxConcurrencyFor(config, undefined);
  const sqs = await startLocalSqs();
  const sm = await startSecretsManager();
  for (const [id, value] of Object.entries(BENCH_SECRETS)) sm.setSecret(id, value);
  const queues = await sqs.createQueues('burst', {
    visibilityTimeout: Math.min(43_200, 6 * workerTimeoutS),
    maxReceiveCount: stack.maxReceiveCountFor(config),
  });
  const aws: LocalAws = { config, sqs, queues, sm, logger };
  let receiverInvocations = 0;
  const receiver = receiverFor(aws);
  const workers = await build(aws, concurrency);
  const poller = await startFifoPoller({
    sqs,
    queues,
    handlers: workers.handlers,
    maxConcurrency: concurrency,
    batchSize: stack.WORKER_BATCH_SIZE,
    functionTimeoutMs: workerTimeoutS * 1000,
  });
  return {
    async post({ body, headers }) {
      receiverInvocations++;
      const response = await receiver(functionUrlEvent({ path: `/hooks/${BENCH_ROUTE_ID}`, body, headers }));
      return typeof response === 'string' ? 200 : (response.statusCode ?? 200);
    },
    async stats() {
      const { Attributes = {} } = await sqs.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queues.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      const deadLetters = Number(Attributes.ApproximateNumberOfMessages ?? 0);
      const prefixed = (prefix: string, counts: Record<string, number>) =>
        Object.fromEntries(Object.entries(counts).map(([name, n]) => [`${prefix}${name}`, n]));
      return {
        deadLetters,
        invocations: poller.stats.invocations,
        containers: concurrency,
        receiverInvocations,
        secretReads: sm.requests,
        ...prefixed('sqs:', sqs.requests),
        ...prefixed('dynamodb:', workers.requests?.() ?? {}),
      };
    },
    async close() {
      await poller.stop();
      await workers.close?.();
      await sqs.close();
      await sm.close();
    },
  };
}
