// The two AwsCallers the adapters run on, against dynalite and the SQS emulator (real wire
// protocols): the bridge's AwsJsonClient (the Lambdas) and an SDK client behind sdkCaller (the
// CLI). Each answers the same operation alike, and fails with the same AWS error names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCaller } from '../../lambda/adapters/aws/aws-caller';
import { AwsError, DYNAMODB } from '../../lambda/adapters/aws/aws-json-client';
import { type AttributeValue, isConditionalCheckFailure } from '../../lambda/adapters/aws/dynamodb-item';
import { DYNAMODB_COMMANDS, SQS_COMMANDS, sdkCaller } from '../../lambda/adapters/aws/sdk-caller';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import { bridgeClient, type FifoQueues, type LocalSqs, startLocalSqs } from '../support/local-sqs';

let dynamo: LocalDynamoDb;
let sqs: LocalSqs;
let queues: FifoQueues;
let table: string;
beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startLocalDynamoDb(), startLocalSqs()]);
  table = await dynamo.createStateTable('callers');
  queues = await sqs.createQueues('callers');
});
afterAll(async () => {
  await dynamo.close();
  await sqs.close();
});

const callers: [string, () => { dynamodb: AwsCaller; sqs: AwsCaller }][] = [
  ['AwsJsonClient', () => ({ dynamodb: dynamo.bridge, sqs: sqs.bridge })],
  [
    'an SDK client behind sdkCaller',
    () => ({
      dynamodb: sdkCaller(dynamo.client, DYNAMODB_COMMANDS),
      sqs: sdkCaller(sqs.client, SQS_COMMANDS),
    }),
  ],
];

describe.each(callers)('%s', (name, callersOf) => {
  const key = { pk: { S: `item#${name}` }, sk: { S: 'one' } };

  it('writes an item and reads it back, numbers as their text', async () => {
    const { dynamodb } = callersOf();
    await dynamodb.call('PutItem', { TableName: table, Item: { ...key, count: { N: '42' } } });
    const { Item } = await dynamodb.call('GetItem', {
      TableName: table,
      Key: key,
      ConsistentRead: true,
    });
    expect(Item).toEqual({ ...key, count: { N: '42' } });
  });

  it('fails a conditional write whose condition is false with ConditionalCheckFailedException', async () => {
    const { dynamodb } = callersOf();
    const write = () =>
      dynamodb.call('PutItem', {
        TableName: table,
        Item: { ...key, sk: { S: 'conditional' } },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    await write();
    const error = await write().catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ConditionalCheckFailedException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(isConditionalCheckFailure(error)).toBe(true);
  });

  it('names a missing table ResourceNotFoundException', async () => {
    const { dynamodb } = callersOf();
    await expect(dynamodb.call('GetItem', { TableName: 'no-such-table', Key: key })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('pages a Query with LastEvaluatedKey', async () => {
    const { dynamodb } = callersOf();
    const pk = { S: `paged#${name}` };
    for (const sk of ['a', 'b', 'c'])
      await dynamodb.call('PutItem', { TableName: table, Item: { pk, sk: { S: sk } } });
    const query = (start?: Record<string, AttributeValue>) =>
      dynamodb.call('Query', {
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        Limit: 2,
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
    const first = await query();
    const second = await query(first.LastEvaluatedKey);
    expect([...(first.Items ?? []), ...(second.Items ?? [])].map((item) => item.sk?.S)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('sends a message with attributes that a receive reads back', async () => {
    const { sqs: queue } = callersOf();
    await queue.call('SendMessage', {
      QueueUrl: queues.dlqUrl,
      MessageBody: `body of ${name}`,
      MessageGroupId: 'g',
      MessageDeduplicationId: name.replace(/\W/g, '-'),
      MessageAttributes: { reason: { DataType: 'String', StringValue: 'exhausted' } },
    });
    const [message] = await sqs.receive(queues.dlqUrl);
    expect(message).toMatchObject({
      Body: `body of ${name}`,
      MessageAttributes: { reason: { DataType: 'String', StringValue: 'exhausted' } },
    });
    await queue.call('DeleteMessage', { QueueUrl: queues.dlqUrl, ReceiptHandle: message?.ReceiptHandle });
  });
});

describe('sdkCaller', () => {
  it('refuses an operation it has no SDK command for, before any request', async () => {
    const caller = sdkCaller({ send: () => Promise.reject(new Error('sent')) }, DYNAMODB_COMMANDS);
    // Not an operation of the port: only a caller that bypasses the types can ask.
    await expect(caller.call('DeleteTable' as never, {} as never)).rejects.toThrow(
      'sdkCaller: no SDK command for DeleteTable',
    );
    await expect(caller.call('toString' as never, {} as never)).rejects.toThrow(
      'no SDK command for toString',
    );
  });
});

describe('AwsJsonClient against dynalite', () => {
  it('reports a failed condition as an AwsError, without retrying it', async () => {
    const error = await bridgeClient(DYNAMODB, dynamo.endpoint, 3)
      .call('UpdateItem', {
        TableName: table,
        Key: { pk: { S: 'missing' }, sk: { S: 'missing' } },
        UpdateExpression: 'SET x = :x',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':x': { S: 'y' } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', $metadata: { attempts: 1 } });
  });
});
