// The replay guard's DynamoDB table, created only when the config enables `replayGuard`: one item
// per accepted notification, deleted by DynamoDB TTL. The receiver may only GetItem and PutItem.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { REPLAY_EXPIRY_ATTRIBUTE, REPLAY_KEY_ATTRIBUTE } from '../lambda/adapters/aws/dynamodb-replay-guard';

export class ReplayGuardTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { tableName?: string | undefined } = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      ...(props.tableName ? { tableName: props.tableName } : {}),
      partitionKey: { name: REPLAY_KEY_ATTRIBUTE, type: AttributeType.STRING },
      // Writes follow webhook traffic: bursty and mostly idle.
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: REPLAY_EXPIRY_ATTRIBUTE,
      encryption: TableEncryption.AWS_MANAGED,
      // cdk-nag AwsSolutions-DDB3. The items are only hashes with an expiry, but restoring them
      // after an accident keeps replays refused.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Nothing to keep once the bridge is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** GetItem (is this body known?) and PutItem (remember it once its jobs are queued), nothing else. */
  grantReceiver(grantee: IGrantable): void {
    this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:PutItem');
  }
}
