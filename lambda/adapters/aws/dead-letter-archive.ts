// The dead-letter archive on AWS: a DynamoDB table that keeps every dead letter for the days the
// deploy chose (TTL), after SQS has deleted it from the dead-letter queue at 14 days. The worker
// writes each letter here before the DLQ; `dead-letters list|replay --archive` reads it back.
import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type DeadLetter, type DeliveryJob, parseJobMessage } from '../../core/contract';
import type { DeadLetterMessage } from './sqs-dead-letter-queue';

/** The table's layout, shared by the stack that creates it and the code that reads and writes it. */
export const ARCHIVE_KEY = 'id';
export const ARCHIVE_EXPIRY_ATTRIBUTE = 'expiresAt';
export const DEAD_LETTER_ARCHIVE_TABLE_ENV = 'DEAD_LETTER_ARCHIVE_TABLE';
export const DEFAULT_ARCHIVE_DAYS = 365;

/** One archived letter: the record `dead-letters list` prints, and what a replay sends back. */
export interface ArchivedDeadLetter {
  /** The DLQ message's dedup id: one item per dead-lettering, the same item when one is retried. */
  id: string;
  letter: DeadLetter;
  /** The job message as the DLQ got it: sent back unchanged. */
  body: string;
  groupId: string;
  job: DeliveryJob | undefined;
  /** When `dead-letters replay --archive` last sent it back; null if never. */
  replayedAt: string | null;
}

const text = (item: Record<string, AttributeValue>, name: string) => item[name]?.S;

function archivedOf(item: Record<string, AttributeValue>): ArchivedDeadLetter | undefined {
  const id = text(item, ARCHIVE_KEY);
  const letterText = text(item, 'letter');
  const body = text(item, 'body');
  if (id === undefined || letterText === undefined || body === undefined) return undefined;
  let letter: DeadLetter;
  try {
    letter = JSON.parse(letterText) as DeadLetter;
  } catch {
    return undefined;
  }
  const parsed = parseJobMessage(body);
  return {
    id,
    letter,
    body,
    groupId: text(item, 'groupId') ?? '',
    job: parsed.ok ? parsed.job : undefined,
    replayedAt: text(item, 'replayedAt') ?? null,
  };
}

export class DynamoDbDeadLetterArchive {
  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    private readonly retentionDays: number = DEFAULT_ARCHIVE_DAYS,
  ) {}

  /** Writes (or, for a retried dead-lettering, overwrites) one letter. */
  async put(letter: DeadLetter, message: DeadLetterMessage, now: Date): Promise<void> {
    const expiresAt = Math.floor(now.getTime() / 1000) + this.retentionDays * 86_400;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [ARCHIVE_KEY]: { S: message.dedupId },
          letter: { S: JSON.stringify(letter) },
          body: { S: message.body },
          groupId: { S: message.groupId },
          deadLetteredAt: { S: letter.deadLetteredAt },
          [ARCHIVE_EXPIRY_ATTRIBUTE]: { N: String(expiresAt) },
        },
      }),
    );
  }

  /** Every archived letter, oldest dead-lettering first (a whole-table scan: an archive is read
   *  rarely, by a person). Items that do not parse are counted, not thrown. */
  async readAll(): Promise<{ letters: ArchivedDeadLetter[]; unreadable: number }> {
    const letters: ArchivedDeadLetter[] = [];
    let unreadable = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      for (const item of page.Items ?? []) {
        const archived = archivedOf(item);
        if (archived) letters.push(archived);
        else unreadable++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    letters.sort((a, b) => a.letter.deadLetteredAt.localeCompare(b.letter.deadLetteredAt));
    return { letters, unreadable };
  }

  async markReplayed(id: string, at: Date): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [ARCHIVE_KEY]: { S: id } },
        UpdateExpression: 'SET replayedAt = :at',
        ConditionExpression: 'attribute_exists(#id)',
        ExpressionAttributeNames: { '#id': ARCHIVE_KEY },
        ExpressionAttributeValues: { ':at': { S: at.toISOString() } },
      }),
    );
  }
}
