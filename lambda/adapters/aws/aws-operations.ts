// The two AWS operations the receiver makes, as plain functions. SqsJobQueue and
// SecretsManagerStore depend only on these function types (shaped like the SDK's, so an SDK
// client can stand behind them too); the functions here call them over an AwsCaller.
import { type AwsCaller, awsCallerFromEnv, type ClientLimits, SECRETS_MANAGER, SQS } from './aws-json-client';

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

export const sendMessageBatchWith =
  (client: AwsCaller): SendMessageBatch =>
  (input) =>
    client.call('SendMessageBatch', input);

export const getSecretValueWith =
  (client: AwsCaller): GetSecretValue =>
  (input) =>
    client.call('GetSecretValue', input);

/** Configured from the Lambda environment on first use (see awsCallerFromEnv). */
export const sendMessageBatchFromEnv = (options: ClientLimits = {}): SendMessageBatch =>
  sendMessageBatchWith(awsCallerFromEnv(SQS, options));

export const getSecretValueFromEnv = (options: ClientLimits = {}): GetSecretValue =>
  getSecretValueWith(awsCallerFromEnv(SECRETS_MANAGER, options));
