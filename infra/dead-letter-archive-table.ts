// The dead-letter archive: a DynamoDB table where the worker copies every dead letter before it
// goes to the DLQ, which SQS empties at 14 days. Kept for the days the deploy chose (TTL), and
// retained when the stack is deleted: it is the record of notifications that were not delivered.
import { RemovalPolicy } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  ARCHIVE_EXPIRY_ATTRIBUTE,
  ARCHIVE_KEY,
  DEAD_LETTER_ARCHIVE_TABLE_ENV,
} from '../lambda/adapters/aws/dead-letter-archive';
import { expiringTableProps } from './expiring-table';

export { DEFAULT_ARCHIVE_DAYS } from '../lambda/adapters/aws/dead-letter-archive';

export interface DeadLetterArchiveProps {
  readonly tableName?: string | undefined;
  /** How long each letter is kept (DynamoDB deletes it some time after). */
  readonly retentionDays: number;
  /** Default RETAIN: a deleted stack must not delete the only copy of old dead letters. */
  readonly removalPolicy?: RemovalPolicy;
}

export class DeadLetterArchiveTable extends Construct {
  readonly table: Table;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: DeadLetterArchiveProps) {
    super(scope, id);
    this.retentionDays = props.retentionDays;
    this.table = new Table(this, 'Table', {
      ...expiringTableProps({
        tableName: props.tableName,
        partitionKey: ARCHIVE_KEY,
        expiryAttribute: ARCHIVE_EXPIRY_ATTRIBUTE,
      }),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /** The worker writes letters: PutItem only (the CLI reads with the person's own credentials). */
  grantWorker(grantee: IGrantable): void {
    this.table.grant(grantee, 'dynamodb:PutItem');
  }

  /** The worker's environment for it (adapters/aws/env.ts reads these). */
  workerEnvironment(): Record<string, string> {
    return {
      [DEAD_LETTER_ARCHIVE_TABLE_ENV]: this.table.tableName,
      DEAD_LETTER_ARCHIVE_DAYS: String(this.retentionDays),
    };
  }
}
