// Lambda entry of the worker: SQS FIFO event source → the delivery state machine for each job, its
// state shared by every container in DynamoDB. The batch logic: adapters/aws/sqs-delivery-worker.ts.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsJsonClientFromEnv, DYNAMODB, SQS } from './adapters/aws/aws-json-client';
import { DynamoDbDeadLetterArchive } from './adapters/aws/dead-letter-archive';
import { DynamoDbDeliveryState } from './adapters/aws/dynamodb-delivery-state';
import { DynamoDbLiveMessages } from './adapters/aws/dynamodb-live-messages';
import { EmfMetrics } from './adapters/aws/emf-metrics';
import { readWorkerEnv } from './adapters/aws/env';
import { lazyHandler } from './adapters/aws/lazy-handler';
import { readLiveMessageTable } from './adapters/aws/live-message-env';
import { createMaskedLogger, PowertoolsLogger } from './adapters/aws/powertools-logger';
import { SecretsManagerStore } from './adapters/aws/secrets-manager-store';
import {
  createSqsDeliveryWorker,
  type SqsDeliveryHandler,
  type SqsDeliveryWorkerDeps,
} from './adapters/aws/sqs-delivery-worker';
import { ProcessTemplateSandbox } from './adapters/template-sandbox/process-sandbox';
import type { BridgeConfig } from './core/config/schema';
import { buildTargets } from './core/deliver/request';
import { compileTemplates, type Renderer } from './core/render/templates';

export type { SqsDeliveryHandler as WorkerHandler, SqsDeliveryWorkerDeps as WorkerDeps };
export { buildTargets };

/** The SQS event handler for any set of dependencies (tests pass local endpoints). */
export const createWorkerHandler = createSqsDeliveryWorker;

/** The worker's renderers: JSONata templates run in one sandbox process (its 64 MB heap beside
 *  the function's own, in 512 MB), started at the first JSONata render. */
export function compileWorkerTemplates(config: BridgeConfig): Map<string, Renderer> {
  return compileTemplates(config, { sandbox: new ProcessTemplateSandbox({ processes: 1 }) });
}

async function fromEnvironment(): Promise<SqsDeliveryHandler> {
  const env = readWorkerEnv();
  const liveMessageTable = readLiveMessageTable(env.config);
  const powertools = new PowertoolsLogger();
  const { logger, maskWith } = createMaskedLogger(powertools);
  const metrics = new EmfMetrics();
  const secrets = new SecretsManagerStore({
    logger,
    metrics,
    ...(env.secretCacheTtlMs === undefined ? {} : { ttlMs: env.secretCacheTtlMs }),
  });
  maskWith(secrets);
  // Each call bounded, so a stuck table or queue fails the record (tried again soon), not the
  // function. Built now, not on first use: the worker always calls both, and a missing variable
  // then fails every invocation with its name (lazyHandler) instead of every record by class name.
  const dynamodb = awsJsonClientFromEnv(DYNAMODB, { maxAttempts: 3, attemptTimeoutMs: 3_000 });
  const handler = createSqsDeliveryWorker({
    // Templates compile once per container; `{ file }` templates were inlined at build time.
    targets: buildTargets(env.config, compileWorkerTemplates(env.config)),
    sqs: awsJsonClientFromEnv(SQS, { attemptTimeoutMs: 5_000 }),
    queueUrl: env.queueUrl,
    deadLetterQueueUrl: env.deadLetterQueueUrl,
    state: new DynamoDbDeliveryState({ tableName: env.deliveryStateTable, client: dynamodb }),
    deadLetterArchive:
      env.deadLetterArchive &&
      new DynamoDbDeadLetterArchive(dynamodb, env.deadLetterArchive.table, env.deadLetterArchive.days),
    secrets,
    ...(liveMessageTable
      ? { liveMessages: new DynamoDbLiveMessages({ tableName: liveMessageTable, client: dynamodb }) }
      : {}),
    logger,
    metrics,
  });
  return async (event, context) => {
    if (context) powertools.addContext(context);
    try {
      return await handler(event, context);
    } finally {
      metrics.publish();
    }
  };
}

export const handler = lazyHandler<SQSEvent, SQSBatchResponse>(fromEnvironment);
