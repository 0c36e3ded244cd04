// The two AWS operations the receiver makes, as plain functions. SqsJobQueue and
// SecretsManagerStore depend only on these function types (shaped like the SDK's, so an SDK
// client can stand behind them too); the functions here call them over AwsJsonClient.
import {
  type AwsJsonClient,
  type AwsJsonClientOptions,
  type AwsService,
  awsJsonClientFromEnv,
  SECRETS_MANAGER,
  SQS,
} from './aws-json-client';

export interface SendMessageBatchEntry {
  Id: string;
  MessageBody: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

export interface SendMessageBatchInput {
  QueueUrl: string;
  Entries: SendMessageBatchEntry[];
}

export interface SendMessageBatchOutput {
  Successful?: Array<{ Id?: string | undefined }> | undefined;
  Failed?: Array<{ Id?: string | undefined; Code?: string | undefined }> | undefined;
}

export type SendMessageBatch = (input: SendMessageBatchInput) => Promise<SendMessageBatchOutput>;

export interface GetSecretValueInput {
  SecretId: string;
  /** `AWSCURRENT` when absent; `AWSPREVIOUS` for the value before the last rotation. */
  VersionStage?: string;
}

export interface GetSecretValueOutput {
  SecretString?: string | undefined;
  /** Base64 text over this client, bytes over the SDK; the bridge reads text secrets only. */
  SecretBinary?: string | Uint8Array | undefined;
}

export type GetSecretValue = (input: GetSecretValueInput) => Promise<GetSecretValueOutput>;

type ClientOptions = Pick<AwsJsonClientOptions, 'maxAttempts' | 'attemptTimeoutMs'>;

export const sendMessageBatchWith =
  (client: AwsJsonClient): SendMessageBatch =>
  (input) =>
    client.call('SendMessageBatch', input);

export const getSecretValueWith =
  (client: AwsJsonClient): GetSecretValue =>
  (input) =>
    client.call('GetSecretValue', input);

/**
 * A client configured from the Lambda environment on first use, as the SDK resolves credentials
 * on its first request: building a handler reads no AWS settings, so a request that needs no AWS
 * call (an unknown route) is answered without them, and a missing one fails that call by name.
 */
function fromEnvOnFirstUse<I, O>(
  service: AwsService,
  options: ClientOptions,
  operation: (client: AwsJsonClient) => (input: I) => Promise<O>,
): (input: I) => Promise<O> {
  let call: ((input: I) => Promise<O>) | undefined;
  return async (input) => {
    call ??= operation(awsJsonClientFromEnv(service, options));
    return call(input);
  };
}

export const sendMessageBatchFromEnv = (options: ClientOptions = {}): SendMessageBatch =>
  fromEnvOnFirstUse(SQS, options, sendMessageBatchWith);

export const getSecretValueFromEnv = (options: ClientOptions = {}): GetSecretValue =>
  fromEnvOnFirstUse(SECRETS_MANAGER, options, getSecretValueWith);
