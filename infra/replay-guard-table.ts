// The replay guard's DynamoDB table, created only when the config enables `replayGuard`: one item
// per accepted notification, deleted by DynamoDB TTL. The receiver may only GetItem and PutItem.
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { REPLAY_EXPIRY_ATTRIBUTE, REPLAY_KEY_ATTRIBUTE } from '../lambda/adapters/aws/dynamodb-replay-guard';
import { expiringTableProps } from './expiring-table';

export class ReplayGuardTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { tableName?: string | undefined } = {}) {
    super(scope, id);
    // The items are only hashes with an expiry: losing them lets a replay of a recent
    // notification through once, until the guard has seen traffic again.
    this.table = new Table(
      this,
      'Table',
      expiringTableProps({
        tableName: props.tableName,
        partitionKey: REPLAY_KEY_ATTRIBUTE,
        expiryAttribute: REPLAY_EXPIRY_ATTRIBUTE,
      }),
    );
  }

  /** GetItem (is this body known?) and PutItem (remember it once its jobs are queued), nothing else. */
  grantReceiver(grantee: IGrantable): void {
    this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem');
  }
}
