// The two AWS operations the receiver makes, as plain functions. SqsJobQueue and
// SecretsManagerStore depend only on these function types (shaped like the SDK's, so an SDK
// client can stand behind them too); the functions here call them over AwsJsonClient.
import {
  type AwsJsonClient,
  type AwsJsonClientOptions,
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

/** SendMessageBatch with a client configured from the Lambda environment, read now. */
export const sendMessageBatchFromEnv = (options: ClientOptions = {}): SendMessageBatch =>
  sendMessageBatchWith(awsJsonClientFromEnv(SQS, options));

/**
 * GetSecretValue with a client configured from the Lambda environment on first use, so that
 * building a store reads no environment (tests, tools).
 */
export function getSecretValueFromEnv(options: ClientOptions = {}): GetSecretValue {
  let call: GetSecretValue | undefined;
  return async (input) => {
    call ??= getSecretValueWith(awsJsonClientFromEnv(SECRETS_MANAGER, options));
    return call(input);
  };
}
