// How the worker carries out each step of the state machine on AWS: a retry or a hold is the
// message's visibility (a hold also noted in the delivery state, so a closing circuit can let it
// go), a dead letter a DLQ message, a guard step a change to the shared state.
import type { SQSRecord } from 'aws-lambda';
import type { DeadLetterReason, DeliveryJob } from '../../core/contract';
import type { DeliveryTarget } from '../../core/deliver/attempt';
import { deadLetterFor, deadLetterLogFields } from '../../core/deliver/dead-letter';
import type { DestinationGuard, GuardConfig } from '../../core/deliver/destination-guard';
import { type DeliveryOutcome, holdDelayMs, type JobProgress, type Step } from '../../core/deliver/engine';
import { deliveryLabels, NO_METRICS } from '../../core/metric-names';
import type { GuardBasis } from '../../core/ports';
import { destinationKey, idempotencyKeyFor } from '../../core/receive/jobs';
import { messageGroupIdFor, serializeJob } from './job-message';
import { changeVisibility } from './sqs-visibility';
import type { RecordDeps, RecordOutcome } from './sqs-worker-deps';

/** SQS caps a message's visibility timeout at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** Runs a step on the destination's shared guard; its events reach the logs once stored, and a
 *  circuit that closes lets every message held for it go at once. */
export async function guarded<T>(
  deps: RecordDeps,
  who: { route: string; destination: string },
  config: GuardConfig,
  step: (guard: DestinationGuard) => T,
  basis?: GuardBasis,
): Promise<{ value: T; basis: GuardBasis }> {
  const { value, events, basis: after } = await deps.state.use(who, config, step, basis);
  for (const event of events) {
    deps.onGuardEvent(event);
    if (event.type === 'circuit-closed') await releaseHeld(deps, destinationKey(who.route, who.destination));
  }
  return { value, basis: after };
}

async function releaseHeld(deps: RecordDeps, destination: string): Promise<void> {
  try {
    const handles = await deps.state.release(destination);
    const failed = await changeVisibility(deps.sqs, deps.queueUrl, handles, 0);
    if (handles.length > failed.count)
      deps.logger.info('circuit closed: held jobs let go', {
        destination,
        count: handles.length - failed.count,
      });
    // They come back when their hold ends instead.
    if (failed.count > 0)
      deps.logger.warn('could not let some held jobs go', {
        destination,
        count: failed.count,
        codes: failed.codes,
      });
  } catch (error) {
    // They come back when their hold ends instead.
    deps.logger.warn('could not let held jobs go', { destination, cause: (error as Error).name });
  }
}

/** Holds the message back without charging an attempt: longer each time (a receive costs). */
export async function hold(
  deps: RecordDeps,
  record: SQSRecord,
  job: DeliveryJob,
  progress: JobProgress,
  step: Extract<Step, { action: 'wait' }>,
): Promise<RecordOutcome> {
  const delayMs = holdDelayMs(step.delayMs, progress.holds ?? 0);
  await deps.state.save(record.messageId, { ...progress, holds: (progress.holds ?? 0) + 1 });
  if (step.cause === 'circuit-open') {
    const destination = destinationKey(job.routeId, job.destinationId);
    await deps.state.hold(
      destination,
      record.messageId,
      record.receiptHandle,
      deps.now().getTime() + delayMs,
    );
  }
  return setVisibility(deps, record, job, delayMs, { message: 'held back', cause: step.cause });
}

export async function setVisibility(
  deps: RecordDeps,
  record: SQSRecord,
  job: DeliveryJob,
  delayMs: number,
  note: { message: string; cause?: string },
): Promise<RecordOutcome> {
  const visibilitySeconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
  try {
    await deps.sqs.call('ChangeMessageVisibility', {
      QueueUrl: deps.queueUrl,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: visibilitySeconds,
    });
  } catch (error) {
    // The message still comes back, only after the queue's own visibility timeout.
    deps.logger.warn('could not set the retry delay', {
      jobId: job.id,
      messageId: record.messageId,
      cause: (error as Error).name,
    });
    return { failed: true };
  }
  deps.logger.info(note.message, {
    route: job.routeId,
    destination: job.destinationId,
    jobId: job.id,
    ...(note.cause ? { cause: note.cause } : {}),
    delaySeconds: visibilitySeconds,
  });
  return { failed: true, visibilitySeconds };
}

export async function deadLetter(
  deps: RecordDeps,
  record: SQSRecord,
  job: DeliveryJob,
  target: DeliveryTarget | undefined,
  reason: DeadLetterReason,
  progress: JobProgress,
): Promise<RecordOutcome> {
  const idempotencyKey = target ? idempotencyKeyFor(job.routeId, target.destination, job.body) : null;
  const letter = deadLetterFor(job, reason, progress, deps.now(), idempotencyKey);
  // Per message, not per job: a replayed job dead-lettered again within SQS's 5-minute window
  // would otherwise be deduplicated away by the FIFO DLQ (64 + 5 + 36 characters, under 128).
  const message = {
    body: serializeJob(job),
    groupId: messageGroupIdFor(job),
    dedupId: `${job.id}:dlq:${record.messageId}`,
  };
  const outcome = await sendDeadLetter(deps, record, job, letter, message);
  if (!outcome.failed) {
    await deps.state.forget(record.messageId).catch(() => undefined); // it expires anyway
    count(deps, job, 'dead_lettered');
  } else {
    await deps.state.save(record.messageId, progress);
  }
  return outcome;
}

export async function sendDeadLetter(
  deps: RecordDeps,
  record: SQSRecord,
  job: DeliveryJob | undefined,
  letter: ReturnType<typeof deadLetterFor>,
  message: { body: string; groupId: string; dedupId: string },
): Promise<RecordOutcome> {
  const fields = { messageId: record.messageId, ...deadLetterLogFields(letter) };
  try {
    await deps.deadLetters.write(letter, message);
  } catch (error) {
    // Never drop a job: report the record failed so SQS keeps it (its redrive policy moves it
    // to the DLQ in the end even if this keeps failing).
    deps.logger.error('dead letter could not be sent, the message stays on the queue', {
      ...fields,
      cause: (error as Error).name,
    });
    return { failed: true };
  }
  deps.logger.warn('dead-lettered', fields);
  if (!job) count(deps, undefined, 'dead_lettered');
  return { failed: false };
}

export function count(deps: RecordDeps, job: DeliveryJob | undefined, outcome: DeliveryOutcome): void {
  (deps.metrics ?? NO_METRICS).count('deliveries', deliveryLabels(job, outcome));
}
