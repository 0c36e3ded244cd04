// The live-message state on DynamoDB against dynalite (the bridge's own client, real wire protocol).
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLiveMessages } from '../../lambda/adapters/aws/dynamodb-live-messages';
import { LambdaEnvError } from '../../lambda/adapters/aws/env';
import { readLiveMessageTable } from '../../lambda/adapters/aws/live-message-env';
import { parseConfig } from '../../lambda/core/config/parse';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';

let dynamo: LocalDynamoDb;
let table: string;
beforeEach(async () => {
  dynamo = await startLocalDynamoDb();
  // The same key shape as the replay guard's table: one string `pk`.
  table = await dynamo.createReplayTable('live-messages');
});
afterEach(async () => {
  await dynamo.close();
});

const message = {
  messageId: '1700000001.000100',
  channel: 'C0LIVE00001',
  timeline: [{ at: '2020-09-09T07:40:15.000Z', status: 'pending', message: 'Run Created' }],
};

describe('DynamoDbLiveMessages', () => {
  it('remembers a run’s message per destination, with a 30-day TTL', async () => {
    const store = new DynamoDbLiveMessages({ tableName: table, client: dynamo.bridge, now: () => 1_000_000 });
    expect(await store.read('runs/chat', 'run-1')).toBeUndefined();
    await store.save('runs/chat', 'run-1', message);
    expect(await store.read('runs/chat', 'run-1')).toEqual(message);
    expect(await store.read('runs/other', 'run-1')).toBeUndefined();
    expect(await store.read('runs/chat', 'run-2')).toBeUndefined();
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'runs/chat#run-1' } } }),
    );
    expect(Item?.expiresAt).toEqual({ N: String(1_000 + 30 * 24 * 3600) });
  });

  it('keeps a Discord message without a channel, and overwrites with the latest timeline', async () => {
    const store = new DynamoDbLiveMessages({ tableName: table, client: dynamo.bridge });
    await store.save('runs/discord', 'run-1', {
      messageId: '1200000000000000001',
      channel: null,
      timeline: [],
    });
    await store.save('runs/discord', 'run-1', {
      ...message,
      messageId: '1200000000000000002',
      channel: null,
    });
    expect(await store.read('runs/discord', 'run-1')).toEqual({
      ...message,
      messageId: '1200000000000000002',
      channel: null,
    });
  });

  it('reads an expired item TTL has not deleted yet, or a damaged one, as no message', async () => {
    let now = 1_000_000;
    const store = new DynamoDbLiveMessages({ tableName: table, client: dynamo.bridge, now: () => now });
    await store.save('runs/chat', 'run-1', message);
    now += 30 * 24 * 3600 * 1000 + 1000;
    expect(await store.read('runs/chat', 'run-1')).toBeUndefined();
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: 'runs/chat#run-2' }, timeline: { S: '{not json' }, expiresAt: { N: String(now) } },
      }),
    );
    expect(await store.read('runs/chat', 'run-2')).toBeUndefined();
  });

  it('throws when the table is missing (the attempt is retried, nothing is posted twice)', async () => {
    const store = new DynamoDbLiveMessages({ tableName: 'no-such-table', client: dynamo.bridge });
    await expect(store.read('runs/chat', 'run-1')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('LIVE_MESSAGE_TABLE at init', () => {
  const config = (live: boolean) =>
    parseConfig({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          destinations: [
            {
              id: 'chat',
              url: { secret: { secretId: 'u' } },
              template: { preset: 'discord' },
              ...(live ? { live: true } : {}),
            },
          ],
        },
      ],
    });

  it('is required when a destination is live, and optional otherwise', () => {
    expect(() => readLiveMessageTable(config(true), undefined)).toThrow(
      'LIVE_MESSAGE_TABLE is not set, but a destination of the config is live',
    );
    expect(() => readLiveMessageTable(config(true), '  ')).toThrow(LambdaEnvError);
    expect(readLiveMessageTable(config(true), 'live-messages')).toBe('live-messages');
    expect(readLiveMessageTable(config(false), undefined)).toBeUndefined();
  });
});
