// The live-message table, created only when some destination has `live`: per destination and run,
// the chat message that shows the run (items expire by TTL after 30 days). The worker may get and
// put one item, nothing else, and finds the table through LIVE_MESSAGE_TABLE.
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  LIVE_EXPIRY_ATTRIBUTE,
  LIVE_KEY_ATTRIBUTE,
  LIVE_MESSAGE_TABLE_ENV,
} from '../lambda/adapters/aws/dynamodb-live-messages';
import { usesLive } from '../lambda/core/config/live';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { expiringTableProps } from './expiring-table';

export class LiveMessageTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: { tableName?: string | undefined } = {}) {
    super(scope, id);
    // Destroyed with the stack: losing it only makes each run's next notification a new message.
    this.table = new Table(
      this,
      'Table',
      expiringTableProps({
        tableName: props.tableName,
        partitionKey: LIVE_KEY_ATTRIBUTE,
        expiryAttribute: LIVE_EXPIRY_ATTRIBUTE,
      }),
    );
  }

  /** GetItem (which message shows this run?) and PutItem (remember it), and the variable. */
  attachWorker(worker: LambdaFunction): void {
    this.table.grant(worker, 'dynamodb:GetItem', 'dynamodb:PutItem');
    worker.addEnvironment(LIVE_MESSAGE_TABLE_ENV, this.table.tableName);
  }
}

/** The table and the worker's access to it when the config uses `live`; undefined otherwise. */
export function addLiveMessageTable(
  scope: Construct,
  props: { config: BridgeConfig; worker: LambdaFunction; tableName?: string | undefined },
): LiveMessageTable | undefined {
  if (!usesLive(props.config)) return undefined;
  const live = new LiveMessageTable(scope, 'LiveMessages', { tableName: props.tableName });
  live.attachWorker(props.worker);
  return live;
}
