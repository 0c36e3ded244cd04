// The worker's batch logic for an SQS FIFO event source: one delivery attempt per record, retry
// by visibility-timeout backoff, dead-letter with the reason in message attributes, and partial
// batch failures that keep each destination's notifications in order.
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { DeadLetterReason, DeliveryJob } from '../../core/contract';
import { attemptDelivery, type DeliveryTarget } from '../../core/deliver/attempt';
import {
  circuitMetrics,
  DestinationGuards,
  type Gate,
  type GuardListener,
  guardLogger,
  isHeldTooLong,
  MAX_HELD_JOB_AGE_MS,
} from '../../core/deliver/destination-guard';
import { type AttemptResult, nextStep } from '../../core/deliver/retry-policy';
import { deliveryLabels, NO_METRICS } from '../../core/metric-names';
import type { Fetch, Logger, Metrics, SecretStore } from '../../core/ports';
import { destinationKey, idempotencyKeyFor } from '../../core/receive/jobs';
import { cutText } from '../../core/redaction';
import { messageGroupIdFor, parseJobMessage, serializeJob } from './job-message';
import { HOLD_RECEIVE_MARGIN, HOLDING_MAX_RECEIVE_COUNT, ReceiveTally } from './receive-tally';

/** SQS caps a message's visibility timeout at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** Long enough for a useful error, short enough for a message attribute. */
const MAX_ATTRIBUTE_CHARS = 1_000;
/** A wait for a rate-limit token up to this long happens in the invocation; a longer one holds
 *  the message back by visibility (a receive that is not an attempt). */
export const MAX_IN_PROCESS_TOKEN_WAIT_MS = 10_000;

export interface SqsDeliveryWorkerDeps {
  /** Route, destination and compiled template for each `routeId/destinationId`. */
  targets: ReadonlyMap<string, DeliveryTarget>;
  sqs: SQSClient;
  /** The jobs queue the event source reads (for ChangeMessageVisibility). */
  queueUrl: string;
  deadLetterQueueUrl: string;
  secrets: SecretStore;
  logger: Logger;
  /** Counts `deliveries` and observes `delivery_latency` (the entry publishes them). */
  metrics?: Metrics;
  fetch?: Fetch;
  random?: () => number;
  now?: () => Date;
  /** Sees every circuit-breaker and rate-limit change (besides the log line), e.g. for metrics. */
  onGuardEvent?: GuardListener;
  /** Longest in-invocation wait for a token (default MAX_IN_PROCESS_TOKEN_WAIT_MS). */
  maxTokenWaitMs?: number;
  /** Jobs held back longer than this are dead-lettered as `expired` (default MAX_HELD_JOB_AGE_MS). */
  maxHeldJobAgeMs?: number;
}

export type SqsDeliveryHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** How one record ended: `retry` also carries the visibility it was given. */
type RecordOutcome = { failed: false } | { failed: true; visibilitySeconds?: number };

interface DeadLetterInput {
  record: SQSRecord;
  body: string;
  groupId: string;
  dedupId: string;
  reason: DeadLetterReason;
  attempts: number;
  last: { status?: number | undefined; error: string };
  job?: DeliveryJob;
  /** The key every attempt carried, when the destination sends one. */
  idempotencyKey?: string | null;
}

/** SQS refuses attribute values with characters outside XML's range; a response snippet may hold
 *  any. The cut goes through cutText, the one place text that may hold secrets is shortened. */
function attributeText(text: string): string {
  const clean = text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  return cutText(clean, MAX_ATTRIBUTE_CHARS) || '-';
}

/** A record's attributes; a hand-built or partial event may lack them, and one such record must
 *  not take the rest of the batch down with it. */
const attributesOf = (record: SQSRecord): Partial<SQSRecord['attributes']> => record.attributes ?? {};

/** Keeps a group's records together, in the order SQS delivered them. */
function byGroup(records: readonly SQSRecord[]): SQSRecord[][] {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    // Without a group id (not a FIFO queue) each record stands alone.
    const key = attributesOf(record).MessageGroupId ?? `record:${record.messageId}`;
    const group = groups.get(key) ?? [];
    group.push(record);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function createSqsDeliveryWorker(deps: SqsDeliveryWorkerDeps): SqsDeliveryHandler {
  const { sqs, logger } = deps;
  const metrics = deps.metrics ?? NO_METRICS;
  const fetch = deps.fetch ?? globalThis.fetch;
  const now = deps.now ?? (() => new Date());
  // Per container, across invocations: each destination's breaker and bucket, and the receives
  // of each message that were not attempts.
  const guards = new DestinationGuards(
    () => now().getTime(),
    guardLogger(logger, circuitMetrics(metrics), deps.onGuardEvent),
  );
  const tally = new ReceiveTally();

  async function deadLetter(input: DeadLetterInput): Promise<RecordOutcome> {
    const { record, reason, attempts, last, job } = input;
    const idempotencyKey = input.idempotencyKey ?? null;
    const attributes: Record<string, MessageAttributeValue> = {
      reason: { DataType: 'String', StringValue: reason },
      attempts: { DataType: 'Number', StringValue: String(attempts) },
      lastError: { DataType: 'String', StringValue: attributeText(last.error) },
      deadLetteredAt: { DataType: 'String', StringValue: now().toISOString() },
      // Empty attribute values are invalid, so an unknown status is left out.
      ...(last.status === undefined
        ? {}
        : { lastStatus: { DataType: 'Number', StringValue: String(last.status) } }),
      ...(idempotencyKey === null
        ? {}
        : { idempotencyKey: { DataType: 'String', StringValue: idempotencyKey } }),
    };
    const fields = {
      messageId: record.messageId,
      route: job?.routeId ?? null,
      destination: job?.destinationId ?? null,
      jobId: job?.id ?? null,
      idempotencyKey,
      reason,
      attempts,
      lastStatus: last.status ?? null,
      lastError: last.error,
    };
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: deps.deadLetterQueueUrl,
          // The job itself is the body, so a DLQ redrive to the jobs queue re-runs it unchanged.
          MessageBody: input.body,
          MessageGroupId: input.groupId,
          MessageDeduplicationId: input.dedupId,
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      // Never drop a job: report the record failed so SQS keeps it (and its redrive policy
      // eventually moves it to the DLQ even if this keeps failing).
      logger.error('dead letter could not be sent, the message stays on the queue', {
        ...fields,
        cause: (error as Error).name,
      });
      metrics.count('deliveries', deliveryLabels(job, 'retried'));
      return { failed: true };
    }
    metrics.count('deliveries', deliveryLabels(job, 'dead_lettered'));
    logger.warn('dead-lettered', fields);
    return { failed: false };
  }

  async function scheduleRetry(
    record: SQSRecord,
    job: DeliveryJob,
    delayMs: number,
    note: { message: string; cause?: string } = { message: 'retry scheduled' },
  ): Promise<RecordOutcome> {
    const visibilitySeconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: deps.queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: visibilitySeconds,
        }),
      );
    } catch (error) {
      // The retry still happens, only after the queue's own visibility timeout.
      logger.warn('could not set the retry delay', {
        jobId: job.id,
        messageId: record.messageId,
        cause: (error as Error).name,
      });
      return { failed: true };
    }
    logger.info(note.message, {
      route: job.routeId,
      destination: job.destinationId,
      jobId: job.id,
      ...(note.cause ? { cause: note.cause } : {}),
      delaySeconds: visibilitySeconds,
    });
    return { failed: true, visibilitySeconds };
  }

  async function processRecord(record: SQSRecord, context?: Context): Promise<RecordOutcome> {
    const receives = Math.max(
      1,
      Number.parseInt(attributesOf(record).ApproximateReceiveCount ?? '1', 10) || 1,
    );
    const parsed = parseJobMessage(record.body);
    if (!parsed.ok) {
      return deadLetter({
        record,
        body: record.body,
        groupId: attributesOf(record).MessageGroupId ?? 'malformed',
        dedupId: `${record.messageId}:dlq`,
        reason: 'malformed',
        attempts: 0,
        last: { error: parsed.reason },
      });
    }
    const { job } = parsed;
    const common = {
      record,
      job,
      body: serializeJob(job),
      groupId: messageGroupIdFor(job),
      // Per message, not per job: a replayed job that fails again within SQS's 5-minute window
      // would otherwise be deduplicated away by the FIFO DLQ. Stable across redeliveries of one
      // message, so a retried DLQ send is still stored once. (64 + 5 + 36 chars, under 128.)
      dedupId: `${job.id}:dlq:${record.messageId}`,
    };
    const target = deps.targets.get(destinationKey(job.routeId, job.destinationId));
    if (!target) {
      return deadLetter({
        ...common,
        reason: 'unknown-destination',
        attempts: 0,
        last: { error: 'destination is not in the deployed config' },
      });
    }
    const idempotencyKey = idempotencyKeyFor(job.routeId, target.destination, job.body);
    return deliverGuarded(record, job, target, { ...common, idempotencyKey }, receives, context);
  }

  /**
   * Asks the destination's guard before the attempt: an open circuit or a long wait for a token
   * holds the message back by visibility (not counted as an attempt); a job whose failure leaves
   * the circuit open waits out the cool-down instead of being dead-lettered as exhausted.
   */
  async function deliverGuarded(
    record: SQSRecord,
    job: DeliveryJob,
    target: DeliveryTarget,
    common: Omit<DeadLetterInput, 'reason' | 'attempts' | 'last'>,
    receives: number,
    context: Context | undefined,
  ): Promise<RecordOutcome> {
    const guard = guards.for({ route: job.routeId, destination: job.destinationId }, target.destination);
    const attempt = Math.max(1, receives - tally.of(record.messageId).paused);
    const hold = async (waitMs: number, cause: string, paused: boolean): Promise<RecordOutcome> => {
      const sentAt = Number(attributesOf(record).SentTimestamp) || Date.parse(job.receivedAt);
      const nearRedrive = receives >= HOLDING_MAX_RECEIVE_COUNT - HOLD_RECEIVE_MARGIN;
      if (
        nearRedrive ||
        isHeldTooLong(sentAt, now().getTime(), deps.maxHeldJobAgeMs ?? MAX_HELD_JOB_AGE_MS)
      ) {
        tally.forget(record.messageId);
        const last = { error: `held back too long (${cause}); ${receives} receives` };
        return deadLetter({ ...common, reason: 'expired', attempts: attempt - (paused ? 1 : 0), last });
      }
      if (paused) tally.paused(record.messageId);
      return scheduleRetry(record, job, waitMs, { message: 'held back', cause });
    };

    let gate: Gate = guard.gate();
    const tokenWaitBudget = Math.min(
      deps.maxTokenWaitMs ?? MAX_IN_PROCESS_TOKEN_WAIT_MS,
      // Leave the attempt (and its one 401 re-read) room within the function timeout.
      (context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY) -
        2 * target.destination.timeoutMs -
        1_000,
    );
    while (gate.action === 'wait') {
      if (gate.cause === 'circuit-open' || gate.waitMs > tokenWaitBudget) {
        return hold(gate.waitMs, gate.cause, true);
      }
      const { waitMs } = gate;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      gate = guard.gate();
    }

    let result: AttemptResult;
    try {
      result = await attemptDelivery(job, target, attempt, { secrets: deps.secrets, fetch, logger, metrics });
    } catch (error) {
      // A bug, not the destination's answer: retry like any failure, so the job still ends in
      // the DLQ with a reason instead of by SQS redrive without one.
      logger.error('delivery attempt crashed', { jobId: job.id, cause: (error as Error).name });
      result = { outcome: 'retry', error: `internal error: ${(error as Error).name}` };
    }
    const { held } = guard.record(result);
    if (gate.probe && held) tally.failedProbe(record.messageId);
    const counted = attempt - tally.of(record.messageId).failedProbes;
    const step = nextStep(result, counted, target.destination.retry, deps.random);
    const last = result.outcome === 'delivered' ? { error: '' } : result;
    // The circuit is open after this failure: wait out the cool-down, never `exhausted`.
    if (held) {
      metrics.count('deliveries', deliveryLabels(job, 'retried'));
      const coolDown = guard.gate();
      return hold(coolDown.action === 'wait' ? coolDown.waitMs : 0, 'circuit-open', false);
    }
    if (step.action === 'retry') {
      metrics.count('deliveries', deliveryLabels(job, 'retried'));
      return scheduleRetry(record, job, step.delayMs);
    }
    tally.forget(record.messageId);
    if (step.action === 'done') {
      metrics.count('deliveries', deliveryLabels(job, 'delivered'));
      return { failed: false };
    }
    return deadLetter({ ...common, reason: step.reason, attempts: attempt, last });
  }

  /**
   * Records of one group run one after another; once one fails, the rest of its group is
   * reported failed without an attempt, so SQS hands them back in order after the retry.
   * They get the failed record's visibility too: a FIFO group stays blocked while any of its
   * messages is in flight, so leaving them at the queue's (longer) timeout would delay the
   * retry. Groups run in parallel, since they are independent destinations.
   *
   * Done by hand rather than with Powertools' SqsFifoPartialProcessor, which processes the whole
   * batch sequentially (one slow destination would hold up the others) and throws when every
   * record fails, which is the normal outcome here when one destination is down.
   */
  async function processGroup(records: SQSRecord[], context?: Context): Promise<string[]> {
    for (const [index, record] of records.entries()) {
      let outcome: RecordOutcome;
      try {
        outcome = await processRecord(record, context);
      } catch (error) {
        logger.error('record processing failed', {
          messageId: record.messageId,
          cause: (error as Error).name,
        });
        outcome = { failed: true };
      }
      if (!outcome.failed) continue;
      const skipped = records.slice(index + 1);
      if (skipped.length > 0) {
        logger.info('skipped: an earlier message of the same group failed', {
          group: attributesOf(record).MessageGroupId ?? null,
          skipped: skipped.length,
        });
        if (outcome.visibilitySeconds !== undefined) {
          await holdBack(skipped, outcome.visibilitySeconds);
        }
      }
      return [record, ...skipped].map((r) => r.messageId);
    }
    return [];
  }

  async function holdBack(records: SQSRecord[], visibilitySeconds: number): Promise<void> {
    try {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: deps.queueUrl,
          // A FIFO event source delivers at most 10 records, the batch call's limit.
          Entries: records.slice(0, 10).map((record, index) => ({
            Id: `m${index}`,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: visibilitySeconds,
          })),
        }),
      );
    } catch (error) {
      // Only the timing suffers: they come back after the queue's visibility timeout.
      logger.warn('could not align the visibility of skipped messages', { cause: (error as Error).name });
    }
  }

  return async (event, context) => {
    const failed = await Promise.all(byGroup(event.Records).map((group) => processGroup(group, context)));
    return { batchItemFailures: failed.flat().map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
