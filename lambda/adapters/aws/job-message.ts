// A DeliveryJob as an SQS FIFO message on the way in: body text and group id. The way out is
// parseJobMessage() in core/contract.ts (validated with zod, which stays off the receiver).
import { createHash } from 'node:crypto';
import type { DeliveryJob } from '../../core/contract';

/** SQS limit for MessageGroupId and MessageDeduplicationId. */
const MAX_SQS_ID_LENGTH = 128;

/**
 * `routeId/destinationId`, so each destination's notifications stay in order and one failing
 * destination never holds up another. Config ids may be 64 characters each, one more than SQS
 * allows in total, so an over-long key keeps a readable prefix plus a hash that stays unique.
 */
export function messageGroupIdFor(job: Pick<DeliveryJob, 'routeId' | 'destinationId' | 'group'>): string {
  // A job queued before ordering groups existed keeps its destination's order.
  const key = job.group ?? `${job.routeId}/${job.destinationId}`;
  if (key.length <= MAX_SQS_ID_LENGTH) return key;
  const hash = createHash('sha256').update(key).digest('hex');
  return `${key.slice(0, MAX_SQS_ID_LENGTH - hash.length - 1)}~${hash}`;
}

/**
 * SQS rejects bodies with characters outside XML's range. JSON.stringify already escapes control
 * characters and lone surrogates; U+FFFE and U+FFFF it leaves raw, so escape them too (the JSON
 * means the same, and a webhook carrying one must still be stored).
 */
export function serializeJob(job: DeliveryJob): string {
  return JSON.stringify(job).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
