// ReplayGuard on a DynamoDB table with TTL: one conditional PutItem per accepted notification.
// The SDK is imported on first use only, so a receiver without the guard never loads it (and
// infra marks it external: the nodejs24.x runtime ships SDK v3).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReplayGuard } from '../../ports';

/** The table's key and TTL attribute names (infra creates the table with these). */
export const REPLAY_KEY_ATTRIBUTE = 'pk';
export const REPLAY_EXPIRY_ATTRIBUTE = 'expiresAt';

export interface DynamoDbReplayGuardOptions {
  tableName: string;
  /** Tests pass a client pointed at dynalite; by default one with bounded timeouts. */
  client?: DynamoDBClient;
  now?: () => number;
}

type Sdk = typeof import('@aws-sdk/client-dynamodb');

export class DynamoDbReplayGuard implements ReplayGuard {
  private sdk: Promise<Sdk> | undefined;
  private client: DynamoDBClient | undefined;
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbReplayGuardOptions) {
    this.client = options.client;
    this.now = options.now ?? Date.now;
  }

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const sdk = await this.loadSdk();
    try {
      await this.put(sdk, key, nowSeconds + ttlSeconds, {
        // TTL deletion is lazy (items may linger for days after they expire), so an expired item
        // still in the table must not count as seen.
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :now',
        ExpressionAttributeNames: { '#pk': REPLAY_KEY_ATTRIBUTE, '#expiresAt': REPLAY_EXPIRY_ATTRIBUTE },
        ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
      });
      return true;
    } catch (error) {
      if (error instanceof sdk.ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Overwrites the key with an already expired item: PutItem is the only permission needed. */
  async release(key: string): Promise<void> {
    await this.put(await this.loadSdk(), key, 0, {});
  }

  private async put(sdk: Sdk, key: string, expiresAt: number, condition: object): Promise<void> {
    this.client ??= new sdk.DynamoDBClient({
      // Bounded and tried once, so a stuck table ends in the fail-open path (then the enqueue)
      // well within the receiver's timeout, not in the function being killed mid-request.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 500, requestTimeout: 1_500 },
    });
    await this.client.send(
      new sdk.PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          [REPLAY_KEY_ATTRIBUTE]: { S: key },
          [REPLAY_EXPIRY_ATTRIBUTE]: { N: String(expiresAt) },
        },
        ...condition,
      }),
    );
  }

  private loadSdk(): Promise<Sdk> {
    this.sdk ??= import('@aws-sdk/client-dynamodb').catch((error: unknown) => {
      this.sdk = undefined; // try again on the next request
      throw error;
    });
    return this.sdk;
  }
}
