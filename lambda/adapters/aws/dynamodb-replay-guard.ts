// ReplayGuard on a DynamoDB table with TTL: a consistent GetItem per notification, a PutItem per
// accepted one.
// The SDK is imported on first use only, so a receiver without the guard never loads it (and
// infra marks it external: the nodejs24.x runtime ships SDK v3).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ReplayGuard } from '../../core/ports';

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

  async seen(key: string): Promise<boolean> {
    const sdk = await this.loadSdk();
    const answer = await this.connect(sdk).send(
      new sdk.GetItemCommand({
        TableName: this.options.tableName,
        Key: { [REPLAY_KEY_ATTRIBUTE]: { S: key } },
        ConsistentRead: true,
      }),
    );
    const expiresAt = Number(answer.Item?.[REPLAY_EXPIRY_ATTRIBUTE]?.N ?? 0);
    // TTL deletion is lazy (items may linger for days after they expire), so an expired item
    // still in the table does not count as seen.
    return expiresAt >= Math.floor(this.now() / 1000);
  }

  async remember(key: string, ttlSeconds: number): Promise<void> {
    const sdk = await this.loadSdk();
    await this.connect(sdk).send(
      new sdk.PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          [REPLAY_KEY_ATTRIBUTE]: { S: key },
          [REPLAY_EXPIRY_ATTRIBUTE]: { N: String(Math.floor(this.now() / 1000) + ttlSeconds) },
        },
      }),
    );
  }

  private connect(sdk: Sdk): DynamoDBClient {
    this.client ??= new sdk.DynamoDBClient({
      // Bounded and tried once, so a stuck table ends in the fail-open path (then the enqueue)
      // well within the receiver's timeout, not in the function being killed mid-request.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 500, requestTimeout: 1_500 },
    });
    return this.client;
  }

  private loadSdk(): Promise<Sdk> {
    this.sdk ??= import('@aws-sdk/client-dynamodb').catch((error: unknown) => {
      this.sdk = undefined; // try again on the next request
      throw error;
    });
    return this.sdk;
  }
}
