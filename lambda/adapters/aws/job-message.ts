// A DeliveryJob as an SQS FIFO message: body text, group id and dedup id on the way in, and a
// validated parse on the way out (the worker must not trust what a queue hands it).
import { createHash } from 'node:crypto';
import { type DeliveryJob, deliveryJobSchema } from '../../core/contract';

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

export type ParsedJob = { ok: true; job: DeliveryJob } | { ok: false; reason: string };

export function parseJobMessage(body: string): ParsedJob {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'message body is not JSON' };
  }
  const result = deliveryJobSchema.safeParse(input);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    return { ok: false, reason: `message body is not a delivery job (bad fields: ${fields.join(', ')})` };
  }
  return { ok: true, job: result.data };
}
