// The port every AWS adapter of the bridge calls through: one AWS JSON-protocol operation by name.
// The Lambdas pass AwsJsonClient (aws-json-client.ts); the CLI passes an SDK client with the full
// credential chain (sdk-caller.ts).
//
// Each operation's input is typed as the AWS SDK types it, so a misspelt field (`ConsistentRead`,
// `VisibilityTimeout`) fails to compile, as it did with the SDK's Command classes; these are type
// imports only, so nothing of the SDK reaches a bundle. Each answer is typed with only the fields
// the bridge reads.
import type * as DynamoDb from '@aws-sdk/client-dynamodb';
import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import type * as Sqs from '@aws-sdk/client-sqs';
import type { GetSecretValueOutput, SendMessageBatchOutput } from './aws-operations';
import type { GetItemOutput, ItemPage, UpdateItemOutput } from './dynamodb-item';

interface Operation<Input, Output> {
  input: Input;
  output: Output;
}

/** An answer whose fields the bridge does not read. */
type Unread = Record<string, unknown>;

/** A received message, as ReceiveMessage answers it (the bridge's attributes are all strings). */
export interface SqsMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

/** Every operation the bridge calls. */
export interface AwsOperations {
  // DynamoDB
  GetItem: Operation<DynamoDb.GetItemInput, GetItemOutput>;
  PutItem: Operation<DynamoDb.PutItemInput, Unread>;
  UpdateItem: Operation<DynamoDb.UpdateItemInput, UpdateItemOutput>;
  DeleteItem: Operation<DynamoDb.DeleteItemInput, Unread>;
  Query: Operation<DynamoDb.QueryInput, ItemPage>;
  Scan: Operation<DynamoDb.ScanInput, ItemPage>;
  // SQS
  SendMessage: Operation<Sqs.SendMessageRequest, Unread>;
  SendMessageBatch: Operation<Sqs.SendMessageBatchRequest, SendMessageBatchOutput>;
  ReceiveMessage: Operation<Sqs.ReceiveMessageRequest, { Messages?: SqsMessage[] }>;
  DeleteMessage: Operation<Sqs.DeleteMessageRequest, Unread>;
  GetQueueAttributes: Operation<Sqs.GetQueueAttributesRequest, { Attributes?: Record<string, string> }>;
  ChangeMessageVisibility: Operation<Sqs.ChangeMessageVisibilityRequest, Unread>;
  ChangeMessageVisibilityBatch: Operation<
    Sqs.ChangeMessageVisibilityBatchRequest,
    { Failed?: Array<{ Id?: string; Code?: string }> }
  >;
  // Secrets Manager
  GetSecretValue: Operation<SecretsManager.GetSecretValueRequest, GetSecretValueOutput>;
}

export type AwsOperation = keyof AwsOperations;

export interface AwsCaller {
  /** Resolves to the operation's answer; rejects with an error named by its AWS error code. */
  call<Op extends AwsOperation>(
    operation: Op,
    input: AwsOperations[Op]['input'],
  ): Promise<AwsOperations[Op]['output']>;
}
