// The worker's batch logic for an SQS FIFO event source: records of one message group run in
// order, each through the delivery state machine (sqs-record.ts); once one fails, the rest of its
// group are handed back untried, in order; partial batch failures tell SQS which to keep.

import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { deadLetterLogFields } from '../../core/deliver/dead-letter';
import { circuitMetrics, guardLogger } from '../../core/deliver/guard-events';
import { OAuth2Tokens } from '../../core/deliver/oauth2';
import { createEnricher } from '../../core/enrich/enricher';
import { NO_METRICS } from '../../core/metric-names';
import { createTlsFetch } from '../tls-fetch';
import { createAwsEndpointResolver } from './aws-endpoints';
import { createAwsRequestSigner, lambdaCredentials } from './aws-request-signer';
import { SqsDeadLetterQueue } from './sqs-dead-letter-queue';
import { deliverRecord } from './sqs-record';
import { changeVisibility } from './sqs-visibility';
import type { RecordDeps, RecordOutcome, SqsDeliveryWorkerDeps } from './sqs-worker-deps';

export { MAX_VISIBILITY_SECONDS } from './sqs-steps';
export { MAX_IN_PROCESS_TOKEN_WAIT_MS } from './sqs-worker-deps';
export type { SqsDeliveryWorkerDeps };

/** A record whose processing failed (the delivery state or SQS answered an error) is tried again
 *  after this, not after the queue's visibility timeout (six times the function's). */
const FAILED_RECORD_RETRY_SECONDS = 10;

export type SqsDeliveryHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** Keeps a group's records together, in the order SQS delivered them. */
function byGroup(records: readonly SQSRecord[]): SQSRecord[][] {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    // Without a group id (not a FIFO queue, or a hand-built event) each record stands alone.
    const key = record.attributes?.MessageGroupId ?? `record:${record.messageId}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return [...groups.values()];
}

/** The archive before the DLQ: if the archive fails the job stays on its queue and is tried
 *  again, so no letter reaches the DLQ (which deletes it at 14 days) without its archived copy. A
 *  retry overwrites the same archive item (keyed by the message's dedup id). A job too large for
 *  an archive item is archived without it: the DLQ message is then its only copy. */
function archivedFirst(dlq: SqsDeadLetterQueue, deps: SqsDeliveryWorkerDeps): RecordDeps['deadLetters'] {
  const archive = deps.deadLetterArchive;
  if (!archive) return dlq;
  const now = deps.now ?? (() => new Date());
  return {
    async write(letter, message) {
      const { bodyTooLarge } = await archive.put(letter, message, now());
      if (bodyTooLarge) {
        deps.logger.warn(
          'dead letter archived without its job (too large for the archive): the dead-letter queue has the only copy, 14 days',
          {
            ...deadLetterLogFields(letter),
            bodyBytes: bodyTooLarge.bytes,
            bodySha256: bodyTooLarge.sha256,
          },
        );
      }
      await dlq.write(letter, message);
    },
  };
}

export function createSqsDeliveryWorker(deps: SqsDeliveryWorkerDeps): SqsDeliveryHandler {
  const { logger } = deps;
  const recordDeps: RecordDeps = {
    ...deps,
    now: deps.now ?? (() => new Date()),
    signAws: deps.signAws ?? createAwsRequestSigner({ credentials: lambdaCredentials }),
    awsEndpoint: deps.awsEndpoint ?? createAwsEndpointResolver(),
    fetchTls: deps.fetchTls ?? createTlsFetch(),
    // One token per oauth2 destination for the container's life, not one per record.
    tokens: deps.tokens ?? new OAuth2Tokens({ fetch: deps.fetch ?? globalThis.fetch }),
    deadLetters: archivedFirst(new SqsDeadLetterQueue(deps.sqs, deps.deadLetterQueueUrl), deps),
    // One per worker: a warm container reads a run once for all its destinations and records.
    enricher:
      deps.enricher ??
      createEnricher({
        secrets: deps.secrets,
        fetch: deps.fetch ?? globalThis.fetch,
        logger,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      }),
    onGuardEvent: guardLogger(logger, circuitMetrics(deps.metrics ?? NO_METRICS), deps.onGuardEvent),
  };

  /**
   * Records of one group run one after another; once one fails, the rest of its group is
   * reported failed without an attempt, so SQS hands them back in order. They get the failed
   * record's visibility too: a FIFO group stays blocked while any of its messages is in flight.
   * Groups run in parallel. (The stack uses batches of 1; this keeps larger ones correct.)
   */
  async function processGroup(records: SQSRecord[], context?: Context): Promise<string[]> {
    for (const [index, record] of records.entries()) {
      let outcome: RecordOutcome;
      try {
        outcome = await deliverRecord(recordDeps, record, context);
      } catch (error) {
        // The delivery state or SQS failed: try the record again soon (an attempt it had started
        // counts towards `worker_failed`), not after the queue's long visibility timeout.
        logger.error('record processing failed', {
          messageId: record.messageId,
          cause: (error as Error).name,
        });
        outcome = await retrySoon(record);
      }
      if (!outcome.failed) continue;
      const skipped = records.slice(index + 1);
      if (skipped.length > 0) {
        logger.info('skipped: an earlier message of the same group failed', {
          group: record.attributes?.MessageGroupId ?? null,
          skipped: skipped.length,
        });
        if (outcome.visibilitySeconds !== undefined) await holdBack(skipped, outcome.visibilitySeconds);
      }
      return [record, ...skipped].map((r) => r.messageId);
    }
    return [];
  }

  async function retrySoon(record: SQSRecord): Promise<RecordOutcome> {
    try {
      await deps.sqs.call('ChangeMessageVisibility', {
        QueueUrl: deps.queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: FAILED_RECORD_RETRY_SECONDS,
      });
      return { failed: true, visibilitySeconds: FAILED_RECORD_RETRY_SECONDS };
    } catch {
      return { failed: true }; // the queue's visibility timeout, then
    }
  }

  async function holdBack(records: SQSRecord[], visibilitySeconds: number): Promise<void> {
    try {
      const handles = records.map((record) => record.receiptHandle);
      const failed = await changeVisibility(deps.sqs, deps.queueUrl, handles, visibilitySeconds);
      if (failed.count > 0) {
        logger.warn('could not align the visibility of some skipped messages', {
          count: failed.count,
          codes: failed.codes,
        });
      }
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
