// An AWS SDK v3 client behind the AwsCaller port, for the CLI: it runs on people's machines and
// needs the SDK's whole credential chain (profiles, SSO), where the Lambdas use AwsJsonClient.
// The operations the shared adapters call, by name; the SDK's errors are named by AWS error code
// as AwsJsonClient's are, so the adapters read both alike. Never imported by a Lambda entry.
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { AwsCaller, AwsOperation, AwsOperations } from './aws-caller';

/** A Command class of any client; its input is the operation's, which the map cannot type. */
type CommandClass = new (input: never) => object;

/** The Command class of each operation a client serves. */
type OperationCommands = Readonly<Partial<Record<AwsOperation, CommandClass>>>;

/** What an SDK client must offer: `send` of one of its commands (every v3 client does). */
export interface SdkClient {
  send(command: never): Promise<unknown>;
}

export const DYNAMODB_COMMANDS: OperationCommands = {
  DeleteItem: DeleteItemCommand,
  GetItem: GetItemCommand,
  PutItem: PutItemCommand,
  Query: QueryCommand,
  Scan: ScanCommand,
  UpdateItem: UpdateItemCommand,
};

export const SQS_COMMANDS: OperationCommands = {
  ChangeMessageVisibility: ChangeMessageVisibilityCommand,
  ChangeMessageVisibilityBatch: ChangeMessageVisibilityBatchCommand,
  DeleteMessage: DeleteMessageCommand,
  GetQueueAttributes: GetQueueAttributesCommand,
  ReceiveMessage: ReceiveMessageCommand,
  SendMessage: SendMessageCommand,
};

/** `client` behind the port; an operation missing from `commands` is a programming error. */
export function sdkCaller(client: SdkClient, commands: OperationCommands): AwsCaller {
  return {
    async call<Op extends AwsOperation>(
      operation: Op,
      input: AwsOperations[Op]['input'],
    ): Promise<AwsOperations[Op]['output']> {
      const Command = Object.hasOwn(commands, operation) ? commands[operation] : undefined;
      if (!Command) throw new Error(`sdkCaller: no SDK command for ${operation}`);
      // The input is the operation's as the SDK types it, which is what the Command takes.
      return (await client.send(new Command(input as never) as never)) as AwsOperations[Op]['output'];
    },
  };
}
