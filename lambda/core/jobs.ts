// A delivery job (one notification for one destination) and the dead letter it may end as.
import { createHash } from 'node:crypto';
import type { Notification, PayloadKind } from './payloads';

export interface DeliveryJob {
  /** sha256 of destination + raw body: stable across retries and redeliveries, so it doubles as
   *  the FIFO dedup id and the outgoing idempotency key. */
  id: string;
  routeId: string;
  destinationId: string;
  /** The raw request body, exactly as received (passthrough forwards it byte for byte). */
  body: string;
  receivedAt: string;
  kind: PayloadKind;
  triggers: string[];
}

/** `malformed`: an SQS message whose body is not a delivery job (AWS worker only). `expired`:
 *  held back by an open circuit breaker for longer than MAX_HELD_JOB_AGE_MS. `worker_failed`:
 *  the process delivering it died during its attempts (crash, timeout, out of memory). `shutdown`:
 *  only in letters written before the SQLite store (pending jobs now survive a stop). */
export const DEAD_LETTER_REASONS = [
  'exhausted',
  'permanent',
  'expired',
  'unknown-destination',
  'worker_failed',
  'malformed',
  'shutdown',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface DeadLetter {
  deadLetteredAt: string;
  reason: DeadLetterReason;
  jobId: string;
  routeId: string;
  destinationId: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string;
  receivedAt: string;
  kind: PayloadKind;
  triggers: string[];
  /** The original body, so a replay sends exactly what HashiCorp sent. */
  payload: string;
  /** The Idempotency-Key every attempt carried (null when the destination turned it off), so
   *  an operator can find the notification in the destination's records. */
  idempotencyKey: string | null;
}

/** `route/destination`: a destination's identity in queues, logs and lookups. Lives here, not
 *  in templates.ts, so the receiver's bundle does not pull in JSONata. */
export const destinationKey = (routeId: string, destinationId: string): string =>
  `${routeId}/${destinationId}`;

export function jobIdFor(routeId: string, destinationId: string, body: string): string {
  return createHash('sha256')
    .update(destinationKey(routeId, destinationId))
    .update('\n')
    .update(body)
    .digest('hex');
}

/**
 * The idempotency key a destination gets for a notification: the job id, identical on every
 * retry, SQS redelivery and dead-letter replay. Null when the destination turned the header off.
 */
export function idempotencyKeyFor(
  routeId: string,
  destination: { id: string; idempotencyHeader: string | false },
  body: string,
): string | null {
  return destination.idempotencyHeader === false ? null : jobIdFor(routeId, destination.id, body);
}

export function createJobs(
  routeId: string,
  destinationIds: readonly string[],
  body: string,
  notification: Notification,
  receivedAt: Date,
): DeliveryJob[] {
  return destinationIds.map((destinationId) => ({
    id: jobIdFor(routeId, destinationId, body),
    routeId,
    destinationId,
    body,
    receivedAt: receivedAt.toISOString(),
    kind: notification.kind,
    triggers: notification.triggers,
  }));
}

export function deadLetterFor(
  job: DeliveryJob,
  reason: DeadLetterReason,
  attempts: number,
  last: { status?: number | undefined; error: string },
  now: Date,
  idempotencyKey: string | null = null,
): DeadLetter {
  return {
    deadLetteredAt: now.toISOString(),
    reason,
    jobId: job.id,
    routeId: job.routeId,
    destinationId: job.destinationId,
    attempts,
    lastStatus: last.status ?? null,
    lastError: last.error,
    receivedAt: job.receivedAt,
    kind: job.kind,
    triggers: job.triggers,
    payload: job.body,
    idempotencyKey,
  };
}
