// The live-message state on AWS: one DynamoDB item per destination and run (`pk` =
// `route/destination#runId`) with the message id, channel and timeline, deleted by TTL after 30
// days. Reads are consistent: the next notification of a run is often seconds behind.
import {
  LIVE_MESSAGE_TTL_SECONDS,
  type LiveMessage,
  type LiveMessageStore,
  parseLiveMessage,
} from '../../core/deliver/live/live-state';
import type { AwsCaller } from './aws-caller';
import { n, numberOf, s, textOf } from './dynamodb-item';

/** The table's key and TTL attribute names (infra creates the table with these). */
export const LIVE_KEY_ATTRIBUTE = 'pk';
export const LIVE_EXPIRY_ATTRIBUTE = 'expiresAt';
/** The worker's variable naming the table; set only when some destination is `live`. */
export const LIVE_MESSAGE_TABLE_ENV = 'LIVE_MESSAGE_TABLE';

export interface DynamoDbLiveMessagesOptions {
  tableName: string;
  client: AwsCaller;
  now?: () => number;
}

export class DynamoDbLiveMessages implements LiveMessageStore {
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbLiveMessagesOptions) {
    this.now = options.now ?? Date.now;
  }

  private key(destination: string, runId: string) {
    return { [LIVE_KEY_ATTRIBUTE]: s(`${destination}#${runId}`) };
  }

  async read(destination: string, runId: string): Promise<LiveMessage | undefined> {
    const { Item } = await this.options.client.call('GetItem', {
      TableName: this.options.tableName,
      Key: this.key(destination, runId),
      ConsistentRead: true,
    });
    if (!Item) return undefined;
    // Expired but not yet deleted by TTL (which may lag by days): as if gone.
    const expiresAt = numberOf(Item, LIVE_EXPIRY_ATTRIBUTE) ?? 0;
    if (expiresAt * 1000 <= this.now()) return undefined;
    let timeline: unknown;
    try {
      timeline = JSON.parse(textOf(Item, 'timeline') ?? '[]');
    } catch {
      timeline = [];
    }
    return parseLiveMessage({
      messageId: textOf(Item, 'messageId'),
      channel: textOf(Item, 'channel') ?? null,
      timeline,
    });
  }

  async save(destination: string, runId: string, message: LiveMessage): Promise<void> {
    await this.options.client.call('PutItem', {
      TableName: this.options.tableName,
      Item: {
        ...this.key(destination, runId),
        messageId: s(message.messageId),
        ...(message.channel === null ? {} : { channel: s(message.channel) }),
        timeline: s(JSON.stringify(message.timeline)),
        updatedAt: n(this.now()),
        [LIVE_EXPIRY_ATTRIBUTE]: n(Math.floor(this.now() / 1000) + LIVE_MESSAGE_TTL_SECONDS),
      },
    });
  }
}
