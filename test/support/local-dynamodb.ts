// DynamoDB for tests: dynalite (in memory, real wire protocol) on 127.0.0.1, with the bridge's own
// client (as the worker calls it) and a real SDK client (for set-up and reads) pointed at it.
// Creates the tables as infra does.
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
// @ts-expect-error dynalite ships no types
import dynalite from 'dynalite';
import { type AwsJsonClient, DYNAMODB } from '../../lambda/adapters/aws/aws-json-client';
import { ARCHIVE_KEY } from '../../lambda/adapters/aws/dead-letter-archive';
import { STATE_PARTITION_KEY, STATE_SORT_KEY } from '../../lambda/adapters/aws/delivery-state-keys';
import { DynamoDbDeliveryState } from '../../lambda/adapters/aws/dynamodb-delivery-state';
import { REPLAY_KEY_ATTRIBUTE } from '../../lambda/adapters/aws/dynamodb-replay-guard';
import { bridgeClient, REGION } from './local-sqs';

export interface LocalDynamoDb {
  endpoint: string;
  /** The SDK's client, for a test's own set-up and reads. */
  client: DynamoDBClient;
  /** The bridge's own client (one attempt per call), as the worker calls DynamoDB. */
  bridge: AwsJsonClient;
  /** A replay-guard table with the given name (at least 3 characters, as in DynamoDB). */
  createReplayTable(name: string): Promise<string>;
  /** A delivery-state table (`pk` + `sk`) as infra creates it. */
  createStateTable(name: string): Promise<string>;
  /** A dead-letter archive table (`id`) as infra creates it. */
  createArchiveTable(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0 }) as import('node:http').Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: REGION,
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    bridge: bridgeClient(DYNAMODB, endpoint, 1),
    async createReplayTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: REPLAY_KEY_ATTRIBUTE, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: REPLAY_KEY_ATTRIBUTE, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    async createStateTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [
            { AttributeName: STATE_PARTITION_KEY, AttributeType: 'S' },
            { AttributeName: STATE_SORT_KEY, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: STATE_PARTITION_KEY, KeyType: 'HASH' },
            { AttributeName: STATE_SORT_KEY, KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    async createArchiveTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: ARCHIVE_KEY, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: ARCHIVE_KEY, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      return name;
    },
    async close() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Delivery state on its own dynalite: what every worker "container" of a test shares. */
export async function startDeliveryState(now?: () => number) {
  const dynamo = await startLocalDynamoDb();
  const tableName = await dynamo.createStateTable('delivery-state');
  return {
    dynamo,
    tableName,
    state: new DynamoDbDeliveryState({ tableName, client: dynamo.bridge, ...(now ? { now } : {}) }),
    close: () => dynamo.close(),
  };
}
