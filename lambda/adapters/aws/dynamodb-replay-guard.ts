// ReplayGuard on a DynamoDB table with TTL: a consistent GetItem per notification, a PutItem per
// accepted one, through the receiver's own AWS client (no SDK to load when the guard is on).
import type { ReplayGuard } from '../../core/ports';
import type { AwsCaller } from './aws-caller';
import { awsCallerFromEnv, DYNAMODB } from './aws-json-client';
import { n, numberOf, s } from './dynamodb-item';

/** The table's key and TTL attribute names (infra creates the table with these). */
export const REPLAY_KEY_ATTRIBUTE = 'pk';
export const REPLAY_EXPIRY_ATTRIBUTE = 'expiresAt';

/** Each call (the check, then the record after the enqueue) tried once within this, so a stuck
 *  table ends in the fail-open path within the receiver's timeout (its budget: receiver.ts), not
 *  in the function being killed between the enqueue and the record, which would let HashiCorp's
 *  retry through. A GetItem or PutItem answers in milliseconds. */
const REPLAY_GUARD_ATTEMPT_TIMEOUT_MS = 1_000;

export interface DynamoDbReplayGuardOptions {
  tableName: string;
  /** Tests pass a client pointed at dynalite; by default one from the Lambda environment. */
  client?: AwsCaller;
  now?: () => number;
}

export class DynamoDbReplayGuard implements ReplayGuard {
  private readonly client: AwsCaller;
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbReplayGuardOptions) {
    this.client =
      options.client ??
      awsCallerFromEnv(DYNAMODB, { maxAttempts: 1, attemptTimeoutMs: REPLAY_GUARD_ATTEMPT_TIMEOUT_MS });
    this.now = options.now ?? Date.now;
  }

  async seen(key: string): Promise<boolean> {
    const { Item } = await this.client.call('GetItem', {
      TableName: this.options.tableName,
      Key: { [REPLAY_KEY_ATTRIBUTE]: s(key) },
      ConsistentRead: true,
    });
    const expiresAt = numberOf(Item, REPLAY_EXPIRY_ATTRIBUTE) ?? 0;
    // TTL deletion is lazy (items may linger for days after they expire), so an expired item
    // still in the table does not count as seen.
    return expiresAt >= Math.floor(this.now() / 1000);
  }

  async remember(key: string, ttlSeconds: number): Promise<void> {
    await this.client.call('PutItem', {
      TableName: this.options.tableName,
      Item: {
        [REPLAY_KEY_ATTRIBUTE]: s(key),
        [REPLAY_EXPIRY_ATTRIBUTE]: n(Math.floor(this.now() / 1000) + ttlSeconds),
      },
    });
  }
}
