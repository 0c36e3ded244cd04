// The DynamoDB replay guard against dynalite (the receiver's own client, real wire protocol).
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbReplayGuard } from '../../lambda/adapters/aws/dynamodb-replay-guard';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';

let dynamo: LocalDynamoDb;
let table: string;
beforeEach(async () => {
  dynamo = await startLocalDynamoDb();
  table = await dynamo.createReplayTable('replay-guard');
});
afterEach(async () => {
  await dynamo.close();
});

describe('DynamoDbReplayGuard', () => {
  it('sees a key only once it is remembered, and stores its expiry for DynamoDB TTL', async () => {
    const guard = new DynamoDbReplayGuard({ tableName: table, client: dynamo.bridge, now: () => 1_000_000 });
    expect(await guard.seen('k1')).toBe(false);
    await guard.remember('k1', 600);
    expect(await guard.seen('k1')).toBe(true);
    expect(await guard.seen('k2')).toBe(false);
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'k1' } } }),
    );
    expect(Item).toEqual({ pk: { S: 'k1' }, expiresAt: { N: String(1_000 + 600) } });
  });

  it('treats an expired item that TTL has not deleted yet as unseen', async () => {
    let now = 1_000_000;
    const guard = new DynamoDbReplayGuard({ tableName: table, client: dynamo.bridge, now: () => now });
    await guard.remember('k', 600);
    now += 601_000;
    expect(await guard.seen('k')).toBe(false);
    await guard.remember('k', 600);
    expect(await guard.seen('k')).toBe(true);
  });

  it('throws (for the receiver to fail open) when the table does not exist', async () => {
    const guard = new DynamoDbReplayGuard({ tableName: 'no-such-table', client: dynamo.bridge });
    await expect(guard.seen('k')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('sees items written by something else unless expired', async () => {
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: 'k' }, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 60) } },
      }),
    );
    const guard = new DynamoDbReplayGuard({ tableName: table, client: dynamo.bridge });
    expect(await guard.seen('k')).toBe(true);
  });
});
