// JobQueue on an SQS FIFO queue: SendMessageBatch, and enqueue resolves only when SQS stored
// every job, because the receiver's 2xx tells HashiCorp the bridge owns the notification.

import type { DeliveryJob } from '../../core/contract';
import { JobTooLargeError, QueueError } from '../../core/errors';
import type { JobQueue, Logger } from '../../core/ports';
import type { SendMessageBatch, SendMessageBatchEntry } from './aws-operations';
import { messageGroupIdFor, serializeJob } from './job-message';

/** SendMessageBatch limits: 10 entries, and 1 MiB for the sum of the bodies. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 1024 * 1024;
/** SQS's largest message, which the stack sets on both queues. */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Less room for the attributes the worker adds when it dead-letters the job (reason, a
 *  1,000-character error...), which count toward the limit: a job that fits the jobs queue must
 *  fit the dead-letter queue too. */
export const MAX_JOB_MESSAGE_BYTES = SQS_MAX_MESSAGE_BYTES - 8 * 1024;

export interface SqsJobQueueOptions {
  /** `sendMessageBatchWith(client)` on the receiver; any SDK-shaped SendMessageBatch works. */
  sendMessageBatch: SendMessageBatch;
  queueUrl: string;
  logger?: Logger;
}

interface Entry {
  job: DeliveryJob;
  entry: SendMessageBatchEntry;
  bytes: number;
}

/** Splits entries into batches within both SQS limits (count and total size). */
export function chunkEntries<T extends { bytes: number }>(entries: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const entry of entries) {
    if (
      current.length > 0 &&
      (current.length === MAX_BATCH_ENTRIES || size + entry.bytes > MAX_BATCH_BYTES)
    ) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += entry.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export class SqsJobQueue implements JobQueue {
  constructor(private readonly options: SqsJobQueueOptions) {}

  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    const entries = jobs.map((job, index): Entry => {
      const body = serializeJob(job);
      return {
        job,
        bytes: Buffer.byteLength(body),
        entry: {
          // Batch ids only need to be unique within one request.
          Id: `job-${index}`,
          MessageBody: body,
          MessageGroupId: messageGroupIdFor(job),
          // Stable for the same destination + body: SQS drops a replayed or re-sent copy.
          MessageDeduplicationId: job.id,
        },
      };
    });
    const tooLarge = entries.find((e) => e.bytes > MAX_JOB_MESSAGE_BYTES);
    if (tooLarge) {
      throw new JobTooLargeError(
        `the notification is ${tooLarge.bytes} bytes as a queue message, over the ${MAX_JOB_MESSAGE_BYTES}-byte limit`,
      );
    }
    // Jobs of one notification go to distinct destinations (distinct groups), so batches may
    // go out in parallel without reordering anything.
    await Promise.all(chunkEntries(entries).map((chunk) => this.sendWithOneRetry(chunk)));
  }

  private async sendWithOneRetry(chunk: Entry[]): Promise<void> {
    // Failed entries are retried once (often a transient InternalError); a second failure is the
    // caller's 503, so HashiCorp's side sees the notification was not taken.
    const failed = await this.send(chunk);
    if (failed.length === 0) return;
    const stillFailed = await this.send(failed.map(({ item }) => item));
    if (stillFailed.length === 0) return;
    const detail = stillFailed
      .map(({ item, code }) => `${item.job.routeId}/${item.job.destinationId}: ${code}`)
      .join(', ');
    this.options.logger?.error('SQS did not accept every job', {
      failed: stillFailed.map(({ item, code }) => ({
        route: item.job.routeId,
        destination: item.job.destinationId,
        jobId: item.job.id,
        code,
      })),
    });
    throw new QueueError(`SQS rejected ${stillFailed.length} of the jobs (${detail})`);
  }

  /** Sends one batch; returns the entries SQS did not store, with its error code. */
  private async send(chunk: Entry[]): Promise<Array<{ item: Entry; code: string }>> {
    const result = await this.options.sendMessageBatch({
      QueueUrl: this.options.queueUrl,
      Entries: chunk.map((c) => c.entry),
    });
    const succeeded = new Set((result.Successful ?? []).map((s) => s.Id));
    const codes = new Map((result.Failed ?? []).map((f) => [f.Id, f.Code ?? 'unknown']));
    // An entry missing from both lists was not confirmed, so it counts as failed.
    return chunk
      .filter((item) => !succeeded.has(item.entry.Id))
      .map((item) => ({ item, code: codes.get(item.entry.Id) ?? 'not confirmed' }));
  }
}
