// Delivery state that must outlive a worker container, in one DynamoDB table: each queued message's
// progress (attempts, holds), each destination's circuit breaker and token bucket, and the messages
// held back while a circuit is open. Any number of containers then decide as one.
import {
  DestinationGuard,
  type GuardConfig,
  type GuardEvent,
  type GuardedDestination,
} from '../../core/deliver/destination-guard';
import type { JobProgress } from '../../core/deliver/engine';
import type { GuardBasis, HeldMessages, JobProgressStore, SharedGuards } from '../../core/ports';
import type { AwsCaller } from './aws-caller';
import { STATE_EXPIRY_ATTRIBUTE, STATE_PARTITION_KEY, STATE_SORT_KEY } from './delivery-state-keys';
import { type Item, isConditionalCheckFailure, n, numberOf, s, textOf } from './dynamodb-item';

/** A message's progress is kept as long as SQS could keep the message. */
const PROGRESS_TTL_SECONDS = 15 * 24 * 3600;
/** Concurrent changes to one destination's guard before giving up (the record is retried):
 *  containers racing for a rate limit's tokens meet here, so be patient, with jitter. */
const MAX_GUARD_CONFLICTS = 30;
const CONFLICT_BACKOFF_MS = 10;

export interface DynamoDbDeliveryStateOptions {
  tableName: string;
  client: AwsCaller;
  now?: () => number;
}

export class DynamoDbDeliveryState implements JobProgressStore, SharedGuards, HeldMessages {
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbDeliveryStateOptions) {
    this.now = options.now ?? Date.now;
  }

  private key(pk: string, sk: string) {
    return { [STATE_PARTITION_KEY]: s(pk), [STATE_SORT_KEY]: s(sk) };
  }

  private expiresIn(seconds: number) {
    return n(Math.floor(this.now() / 1000) + seconds);
  }

  // Job progress ------------------------------------------------------------------------------

  async read(id: string): Promise<JobProgress | undefined> {
    const { Item } = await this.options.client.call('GetItem', {
      TableName: this.options.tableName,
      Key: this.key(`job#${id}`, 'progress'),
      ConsistentRead: true,
    });
    return Item ? progressOf(Item) : undefined;
  }

  async markStarted(id: string, current: JobProgress): Promise<JobProgress> {
    const { Attributes } = await this.options.client.call('UpdateItem', {
      TableName: this.options.tableName,
      Key: this.key(`job#${id}`, 'progress'),
      UpdateExpression:
        'SET attempts = if_not_exists(attempts, :a), finished = if_not_exists(finished, :f), ' +
        'holds = if_not_exists(holds, :h), queuedAt = if_not_exists(queuedAt, :q), #ttl = :ttl ADD started :one',
      ExpressionAttributeNames: { '#ttl': STATE_EXPIRY_ATTRIBUTE },
      ExpressionAttributeValues: {
        ':a': n(current.attempts),
        ':f': n(current.finished),
        ':h': n(current.holds ?? 0),
        ':q': n(current.queuedAt),
        ':ttl': this.expiresIn(PROGRESS_TTL_SECONDS),
        ':one': n(1),
      },
      ReturnValues: 'ALL_NEW',
    });
    return progressOf(Attributes ?? {});
  }

  async save(id: string, progress: JobProgress): Promise<void> {
    const item: Item = {
      ...this.key(`job#${id}`, 'progress'),
      attempts: n(progress.attempts),
      started: n(progress.started),
      finished: n(progress.finished),
      holds: n(progress.holds ?? 0),
      queuedAt: n(progress.queuedAt),
      [STATE_EXPIRY_ATTRIBUTE]: this.expiresIn(PROGRESS_TTL_SECONDS),
    };
    if (progress.last) {
      item.lastError = s(progress.last.error || '-');
      if (progress.last.status !== undefined) item.lastStatus = n(progress.last.status);
    }
    await this.options.client.call('PutItem', { TableName: this.options.tableName, Item: item });
  }

  async forget(id: string): Promise<void> {
    await this.options.client.call('DeleteItem', {
      TableName: this.options.tableName,
      Key: this.key(`job#${id}`, 'progress'),
    });
  }

  // Shared guards -----------------------------------------------------------------------------

  async use<T>(
    who: GuardedDestination,
    config: GuardConfig,
    step: (guard: DestinationGuard) => T,
    basis?: GuardBasis,
  ): Promise<{ value: T; events: GuardEvent[]; basis: GuardBasis }> {
    const Key = this.key(`destination#${who.route}/${who.destination}`, 'guard');
    let current = basis;
    for (let conflicts = 0; ; conflicts++) {
      if (!current) {
        const { Item } = await this.options.client.call('GetItem', {
          TableName: this.options.tableName,
          Key,
          ConsistentRead: true,
        });
        current = { snapshot: textOf(Item, 'snapshot') ?? '{}', version: numberOf(Item, 'version') };
      }
      const { version } = current;
      const events: GuardEvent[] = [];
      const guard = new DestinationGuard(
        who,
        config,
        this.now,
        (event) => events.push(event),
        JSON.parse(current.snapshot),
      );
      const value = step(guard);
      const snapshot = JSON.stringify(guard.snapshot());
      if (snapshot === current.snapshot) return { value, events, basis: current };
      try {
        await this.options.client.call('PutItem', {
          TableName: this.options.tableName,
          Item: { ...Key, snapshot: s(snapshot), version: n((version ?? 0) + 1) },
          ...(version === undefined
            ? { ConditionExpression: `attribute_not_exists(${STATE_PARTITION_KEY})` }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': n(version) } }),
        });
      } catch (error) {
        // Another container changed the guard first: decide again on what it stored.
        if (isConditionalCheckFailure(error) && conflicts < MAX_GUARD_CONFLICTS) {
          current = undefined;
          const backoff = CONFLICT_BACKOFF_MS * Math.min(conflicts + 1, 10) * Math.random();
          await new Promise((resolve) => setTimeout(resolve, backoff));
          continue;
        }
        throw error;
      }
      return { value, events, basis: { snapshot, version: (version ?? 0) + 1 } };
    }
  }

  // Held messages -----------------------------------------------------------------------------

  async hold(destination: string, messageId: string, receiptHandle: string, untilMs: number): Promise<void> {
    await this.options.client.call('PutItem', {
      TableName: this.options.tableName,
      Item: {
        ...this.key(`held#${destination}`, messageId),
        receiptHandle: s(receiptHandle),
        [STATE_EXPIRY_ATTRIBUTE]: n(Math.floor(untilMs / 1000) + 24 * 3600),
      },
    });
  }

  async release(destination: string): Promise<string[]> {
    const handles: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.options.client.call('Query', {
        TableName: this.options.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': STATE_PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': s(`held#${destination}`) },
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      for (const item of page.Items ?? []) {
        const handle = textOf(item, 'receiptHandle');
        const messageId = textOf(item, STATE_SORT_KEY);
        if (handle) handles.push(handle);
        if (messageId) {
          await this.options.client.call('DeleteItem', {
            TableName: this.options.tableName,
            Key: this.key(`held#${destination}`, messageId),
          });
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return handles;
  }
}

function progressOf(item: Item): JobProgress {
  const error = textOf(item, 'lastError');
  const status = numberOf(item, 'lastStatus');
  return {
    attempts: numberOf(item, 'attempts') ?? 0,
    started: numberOf(item, 'started') ?? 0,
    finished: numberOf(item, 'finished') ?? 0,
    holds: numberOf(item, 'holds') ?? 0,
    queuedAt: numberOf(item, 'queuedAt') ?? 0,
    ...(error === undefined ? {} : { last: { error, ...(status === undefined ? {} : { status }) } }),
  };
}
