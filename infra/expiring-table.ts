// What the bridge's DynamoDB tables share: string keys, items deleted by TTL, on-demand billing,
// AWS-managed encryption, point-in-time recovery, and nothing left behind by `cdk destroy`.
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, TableEncryption, type TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { optional } from './optional-prop';

export interface ExpiringTableProps {
  readonly tableName?: string | undefined;
  readonly partitionKey: string;
  readonly sortKey?: string | undefined;
  /** A number attribute, epoch seconds: DynamoDB deletes the item some time after. */
  readonly expiryAttribute: string;
}

export function expiringTableProps(props: ExpiringTableProps): TableProps {
  return {
    ...optional('tableName', props.tableName),
    partitionKey: { name: props.partitionKey, type: AttributeType.STRING },
    ...optional('sortKey', props.sortKey && { name: props.sortKey, type: AttributeType.STRING }),
    // Traffic follows webhooks: bursty and mostly idle.
    billingMode: BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: props.expiryAttribute,
    encryption: TableEncryption.AWS_MANAGED,
    // cdk-nag AwsSolutions-DDB3: restoring after an accident beats rebuilding from nothing.
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // Both tables hold short-lived state that rebuilds itself (see each table). Retained, a named
    // table would also make the next deploy under the same name fail.
    removalPolicy: RemovalPolicy.DESTROY,
  };
}
