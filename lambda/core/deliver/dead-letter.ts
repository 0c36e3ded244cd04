// A job that will not be delivered, as the record an operator reads and replays.
import type { DeadLetter, DeadLetterReason, DeliveryJob } from '../contract';

/** What a dead letter says of the job's attempts: how many were charged, and the last failure. */
export interface AttemptsSoFar {
  attempts: number;
  last?: { status?: number | undefined; error: string } | undefined;
}

export function deadLetterFor(
  job: DeliveryJob,
  reason: DeadLetterReason,
  progress: AttemptsSoFar,
  now: Date,
  idempotencyKey: string | null = null,
): DeadLetter {
  const { attempts, last = { error: '' } } = progress;
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

/** The `dead-lettered` log line's fields, the same in both runtimes (the payload stays out; the
 *  Idempotency-Key is the job id, so it is not printed twice). */
export function deadLetterLogFields(letter: DeadLetter) {
  return {
    route: letter.routeId || null,
    destination: letter.destinationId || null,
    jobId: letter.jobId || null,
    reason: letter.reason,
    attempts: letter.attempts,
    lastStatus: letter.lastStatus,
    lastError: letter.lastError,
  };
}
