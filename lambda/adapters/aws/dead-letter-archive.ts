// The dead-letter archive on AWS: a DynamoDB table that keeps every dead letter for the days the
// deploy chose (TTL), after SQS has deleted it from the dead-letter queue at 14 days. The worker
// writes each letter here before the DLQ; `dead-letters list|replay --archive` reads it back.
import type { DeadLetter } from '../../core/contract';
import type { AwsCaller } from './aws-caller';
import {
  ARCHIVE_KEY,
  type ArchivedDeadLetter,
  archivedOf,
  archiveItemFor,
  type BodyTooLarge,
} from './dead-letter-archive-item';
import { type Item, s } from './dynamodb-item';
import type { DeadLetterMessage } from './sqs-dead-letter-queue';

export type { ArchivedDeadLetter } from './dead-letter-archive-item';
/** The table's layout, shared by the stack that creates it and the code that reads and writes it. */
export { ARCHIVE_EXPIRY_ATTRIBUTE, ARCHIVE_KEY } from './dead-letter-archive-item';
export const DEAD_LETTER_ARCHIVE_TABLE_ENV = 'DEAD_LETTER_ARCHIVE_TABLE';
export const DEFAULT_ARCHIVE_DAYS = 365;

export class DynamoDbDeadLetterArchive {
  constructor(
    private readonly client: AwsCaller,
    readonly tableName: string,
    private readonly retentionDays: number = DEFAULT_ARCHIVE_DAYS,
  ) {}

  /** Writes (or, for a retried dead-lettering, overwrites) one letter. A job too large for a
   *  DynamoDB item is left out: the answer says so, with its size and digest. */
  async put(
    letter: DeadLetter,
    message: DeadLetterMessage,
    now: Date,
  ): Promise<{ bodyTooLarge: BodyTooLarge | null }> {
    const expiresAt = Math.floor(now.getTime() / 1000) + this.retentionDays * 86_400;
    const { item, bodyTooLarge } = archiveItemFor(letter, message, expiresAt);
    await this.client.call('PutItem', { TableName: this.tableName, Item: item });
    return { bodyTooLarge };
  }

  /** Every archived letter, oldest dead-lettering first (a whole-table scan: an archive is read
   *  rarely, by a person). Items that do not parse are counted, not thrown. */
  async readAll(): Promise<{ letters: ArchivedDeadLetter[]; unreadable: number }> {
    const letters: ArchivedDeadLetter[] = [];
    let unreadable = 0;
    let startKey: Item | undefined;
    do {
      const page = await this.client.call('Scan', {
        TableName: this.tableName,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      });
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
    await this.client.call('UpdateItem', {
      TableName: this.tableName,
      Key: { [ARCHIVE_KEY]: s(id) },
      UpdateExpression: 'SET replayedAt = :at',
      ConditionExpression: 'attribute_exists(#id)',
      ExpressionAttributeNames: { '#id': ARCHIVE_KEY },
      ExpressionAttributeValues: { ':at': s(at.toISOString()) },
    });
  }
}
