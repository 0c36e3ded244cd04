// A job that will not be delivered, as the record an operator reads and replays.
import type { DeadLetter, DeadLetterReason, DeliveryJob } from '../contract';

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
