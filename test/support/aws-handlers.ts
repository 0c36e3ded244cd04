// The receiver and worker Lambda handlers built as their entries build them, but against the local
// AWS of a test: the SQS emulator, a Secrets Manager fake, the test's config and logger. Each call
// gets its own clients and secret cache, as two separate Lambdas would.
import {
  SecretsManagerStore,
  type SecretsManagerStoreOptions,
} from '../../lambda/adapters/aws/secrets-manager-store';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import type { AppDeps } from '../../lambda/app';
import type { BridgeConfig } from '../../lambda/core/config/schema';
import type { Logger } from '../../lambda/core/ports';
import { createReceiverHandler, type ReceiverHandler } from '../../lambda/receiver';
import {
  buildTargets,
  compileWorkerTemplates,
  createWorkerHandler,
  type WorkerDeps,
  type WorkerHandler,
} from '../../lambda/worker';
import { type FifoQueues, getSecretValueVia, type LocalSqs, sendMessageBatchVia } from './local-sqs';

export interface LocalAws {
  config: BridgeConfig;
  sqs: LocalSqs;
  queues: FifoQueues;
  /** The Secrets Manager (fake) this function reads its secrets from. */
  sm: { endpoint: string };
  logger: Logger;
  /** The secret cache's settings besides client and logger (a TTL, a clock). */
  secretCache?: Omit<SecretsManagerStoreOptions, 'logger' | 'getSecretValue'>;
}

const secretsFor = ({ sm, logger, secretCache }: LocalAws) =>
  new SecretsManagerStore({ getSecretValue: getSecretValueVia(sm.endpoint), logger, ...secretCache });

export type ReceiverOptions = LocalAws &
  Pick<AppDeps, 'metrics' | 'now' | 'replayGuard'> & {
    /** Where the receiver sends jobs (default the jobs queue). */
    queueUrl?: string | undefined;
  };

export function receiverFor(options: ReceiverOptions): ReceiverHandler {
  const { config, sqs, queues, sm, logger, secretCache, queueUrl, ...rest } = options;
  return createReceiverHandler({
    config,
    secrets: secretsFor(options),
    queue: new SqsJobQueue({
      sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
      queueUrl: queueUrl ?? queues.queueUrl,
      logger,
    }),
    logger,
    ...rest,
  });
}

export type WorkerOptions = LocalAws &
  Pick<WorkerDeps, 'state'> &
  Partial<
    Omit<WorkerDeps, 'targets' | 'sqs' | 'queueUrl' | 'deadLetterQueueUrl' | 'secrets' | 'logger' | 'state'>
  > & {
    /** Where the worker writes dead letters (default the queues' DLQ). */
    deadLetterQueueUrl?: string | undefined;
  };

export function workerFor(options: WorkerOptions): WorkerHandler {
  const { config, sqs, queues, sm, logger, secretCache, deadLetterQueueUrl, ...rest } = options;
  return createWorkerHandler({
    targets: buildTargets(config, compileWorkerTemplates(config)),
    sqs: sqs.bridge,
    queueUrl: queues.queueUrl,
    deadLetterQueueUrl: deadLetterQueueUrl ?? queues.dlqUrl,
    secrets: secretsFor(options),
    logger,
    ...rest,
  });
}
