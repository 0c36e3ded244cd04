// The receiver as it was before it had its own AWS client: the same entry with the AWS SDK v3
// clients behind the same two ports (configured as lambda/receiver.ts configured them), so the
// cold-start bench compares both in one run.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import type { GetSecretValue } from '../lambda/adapters/aws/aws-operations';
import { readReceiverEnv } from '../lambda/adapters/aws/env';
import { type LambdaHandler, lazyHandler, onLambda } from '../lambda/adapters/aws/lazy-handler';
import { PowertoolsLogger } from '../lambda/adapters/aws/powertools-logger';
import { SecretsManagerStore } from '../lambda/adapters/aws/secrets-manager-store';
import { SqsJobQueue } from '../lambda/adapters/aws/sqs-job-queue';
import { type AppDeps, createApp } from '../lambda/app';

type ReceiverHandler = (event: LambdaFunctionURLEvent) => Promise<LambdaFunctionURLResult>;

/** lambda/receiver.ts's createReceiverHandler; importing that module would start its own handler. */
function createReceiverHandler(deps: AppDeps): ReceiverHandler {
  const handler = handle(createApp(deps));
  return async (event) =>
    (await handler({
      ...event,
      body: event.body ?? null,
    } as unknown as LambdaEvent)) as LambdaFunctionURLResult;
}

/** As the store did: the Secrets Manager client loaded on first use, two attempts. */
function sdkGetSecretValue(): GetSecretValue {
  let client: SecretsManagerClient | undefined;
  return async (input) => {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    client ??= new sdk.SecretsManagerClient({
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
    });
    return client.send(new sdk.GetSecretValueCommand(input));
  };
}

async function fromEnvironment(): Promise<LambdaHandler<LambdaFunctionURLEvent, LambdaFunctionURLResult>> {
  const env = readReceiverEnv();
  const logger = new PowertoolsLogger();
  const sqs = new SQSClient({ requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000 } });
  const handler = createReceiverHandler({
    config: env.config,
    secrets: new SecretsManagerStore({ logger, getSecretValue: sdkGetSecretValue() }),
    queue: new SqsJobQueue({
      sendMessageBatch: (input) => sqs.send(new SendMessageBatchCommand(input)),
      queueUrl: env.queueUrl,
      logger,
    }),
    logger,
  });
  return async (event, context) => {
    logger.addContext(context);
    return handler(event);
  };
}

export const handler = lazyHandler<LambdaFunctionURLEvent, LambdaFunctionURLResult>(fromEnvironment, {
  eager: onLambda(),
});
