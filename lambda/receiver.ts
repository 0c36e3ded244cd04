// Lambda entry of the receiver: the Hono app behind a Function URL, with Secrets Manager for
// signing secrets and the SQS FIFO jobs queue. Everything else lives in app.ts and core/. Its AWS
// calls (and the replay guard's) go through adapters/aws/aws-json-client.ts, not the AWS SDK: see
// docs/performance.md.
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
// `hono/aws-lambda` is marked deprecated for `@hono/aws-lambda`, which is not published yet;
// this file is the only place that uses it.
import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { sendMessageBatchFromEnv } from './adapters/aws/aws-operations';
import { DynamoDbReplayGuard } from './adapters/aws/dynamodb-replay-guard';
import { EmfMetrics } from './adapters/aws/emf-metrics';
import { readReceiverEnv } from './adapters/aws/env';
import { lazyHandler, onLambda } from './adapters/aws/lazy-handler';
import { createMaskedLogger, PowertoolsLogger } from './adapters/aws/powertools-logger';
import { SecretsManagerStore } from './adapters/aws/secrets-manager-store';
import { SqsJobQueue } from './adapters/aws/sqs-job-queue';
import { type AppDeps, createApp } from './app';

export type ReceiverHandler = (
  event: LambdaFunctionURLEvent,
  context?: Context,
) => Promise<LambdaFunctionURLResult>;

/** The Function URL handler for any set of dependencies (tests pass local fakes). */
export function createReceiverHandler(deps: AppDeps): ReceiverHandler {
  // The adapter decodes base64 bodies, and app.ts verifies the HMAC on those exact bytes.
  // The line per accepted request is debug on AWS (see AppDeps.requestLogLevel), shown with
  // POWERTOOLS_LOG_LEVEL=DEBUG.
  const handler = handle(createApp({ requestLogLevel: 'debug', ...deps }));
  return async (event, context) => {
    // Hono declares its own event and result types for the same JSON Lambda sends and expects;
    // they differ in details (Hono wants `body: null` where Lambda omits it, and an authorizer
    // that a Function URL with auth NONE does not have), hence the casts.
    const lambdaEvent = { ...event, body: event.body ?? null } as unknown as LambdaEvent;
    const result = await handler(lambdaEvent, context as LambdaContext | undefined);
    return result as LambdaFunctionURLResult;
  };
}

async function fromEnvironment(): Promise<ReceiverHandler> {
  const env = readReceiverEnv();
  const powertools = new PowertoolsLogger();
  const { logger, maskWith } = createMaskedLogger(powertools);
  const metrics = new EmfMetrics();
  const secrets = new SecretsManagerStore({
    logger,
    metrics,
    ...(env.secretCacheTtlMs === undefined ? {} : { ttlMs: env.secretCacheTtlMs }),
  });
  maskWith(secrets);
  const handler = createReceiverHandler({
    config: env.config,
    secrets,
    queue: new SqsJobQueue({
      // Bounded, so a stuck connection ends in a 503 (and the replay guard's release) rather
      // than the function's timeout (RECEIVER_TIMEOUT, 10 s): secrets 2 x 2 s + the replay
      // guard's check and record 1 s each + this 2 x 1.5 s = 9 s, and under 1 s of backoff.
      sendMessageBatch: sendMessageBatchFromEnv({ maxAttempts: 2, attemptTimeoutMs: 1_500 }),
      queueUrl: env.queueUrl,
      logger,
    }),
    logger,
    metrics,
    ...(env.replayGuardTable
      ? { replayGuard: new DynamoDbReplayGuard({ tableName: env.replayGuardTable }) }
      : {}),
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

export const handler = lazyHandler<LambdaFunctionURLEvent, LambdaFunctionURLResult>(fromEnvironment, {
  eager: onLambda(),
});
