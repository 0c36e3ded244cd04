// The delivery-state table, always created: what the worker must remember across containers
// (each job's attempts and holds, each destination's circuit breaker and token bucket, the
// messages held back while a circuit is open), so any number of containers decide as one.
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  STATE_EXPIRY_ATTRIBUTE,
  STATE_PARTITION_KEY,
  STATE_SORT_KEY,
} from '../lambda/adapters/aws/delivery-state-keys';
import { expiringTableProps } from './expiring-table';

/** Everything the worker does with the table: read, write, update and delete one item, and
 *  query a partition (the messages held for one destination). No scan, no batch, no admin. */
const DELIVERY_STATE_WORKER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
] as const;

export class DeliveryStateTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { tableName?: string | undefined } = {}) {
    super(scope, id);
    // Destroyed with the stack, like the replay guard: all of it rebuilds itself. A lost attempt
    // count gives a job a fresh budget, a lost circuit opens again after the next failures, a lost
    // hold record leaves its message to reappear when its visibility timeout ends (the messages
    // themselves are in SQS), and every item expires by TTL within about two weeks anyway.
    this.table = new Table(
      this,
      'Table',
      expiringTableProps({
        tableName: props.tableName,
        partitionKey: STATE_PARTITION_KEY,
        sortKey: STATE_SORT_KEY,
        expiryAttribute: STATE_EXPIRY_ATTRIBUTE,
      }),
    );
  }

  grantWorker(grantee: IGrantable): void {
    this.table.grant(grantee, ...DELIVERY_STATE_WORKER_ACTIONS);
  }
}
