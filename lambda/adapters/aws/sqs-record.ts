// One SQS record through the delivery state machine (core/deliver/engine.ts): this file only
// carries the steps out. Progress and the destination's guard come from the shared delivery state
// (DynamoDB), so any container decides as any other would; a retry or a hold is the message's
// visibility, a dead letter a DLQ message.
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import type { DeadLetterReason, DeliveryJob } from '../../core/contract';
import { attemptDelivery, type DeliveryTarget } from '../../core/deliver/attempt';
import { deadLetterFor } from '../../core/deliver/dead-letter';
import type { DestinationGuard, GuardConfig, GuardEvent } from '../../core/deliver/destination-guard';
import {
  afterAttempt,
  beforeAttempt,
  type DeliveryOutcome,
  holdDelayMs,
  type JobProgress,
  MAX_HOLDS,
  newProgress,
  type Step,
} from '../../core/deliver/engine';
import type { AttemptResult } from '../../core/deliver/retry-policy';
import { deliveryLabels, NO_METRICS } from '../../core/metric-names';
import type {
  Fetch,
  HeldMessages,
  JobProgressStore,
  Logger,
  Metrics,
  SecretStore,
  SharedGuards,
} from '../../core/ports';
import { destinationKey, idempotencyKeyFor } from '../../core/receive/jobs';
import { messageGroupIdFor, parseJobMessage, serializeJob } from './job-message';
import type { SqsDeadLetterQueue } from './sqs-dead-letter-queue';

/** SQS caps a message's visibility timeout at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** A wait for a rate-limit token up to this long happens in the invocation; a longer one holds
 *  the message back by visibility. */
export const MAX_IN_PROCESS_TOKEN_WAIT_MS = 10_000;

export interface RecordDeps {
  targets: ReadonlyMap<string, DeliveryTarget>;
  sqs: SQSClient;
  queueUrl: string;
  deadLetters: SqsDeadLetterQueue;
  state: JobProgressStore & SharedGuards & HeldMessages;
  secrets: SecretStore;
  logger: Logger;
  metrics?: Metrics;
  fetch?: Fetch;
  random?: () => number;
  now: () => Date;
  /** Each guard event (circuit opened, rate lowered...) once it is stored: logs, metrics. */
  onGuardEvent: (event: GuardEvent) => void;
  maxTokenWaitMs?: number;
  maxHeldJobAgeMs?: number;
}

/** How a record ended: `retry` also carries the visibility it was given. */
export type RecordOutcome = { failed: false } | { failed: true; visibilitySeconds?: number };

const attributesOf = (record: SQSRecord): Partial<SQSRecord['attributes']> => record.attributes ?? {};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function deliverRecord(
  deps: RecordDeps,
  record: SQSRecord,
  context?: Context,
): Promise<RecordOutcome> {
  const parsed = parseJobMessage(record.body);
  const now = () => deps.now().getTime();
  if (!parsed.ok) {
    const letter = {
      ...deadLetterFor(
        {
          id: '',
          routeId: '',
          destinationId: '',
          body: record.body,
          receivedAt: '',
          kind: 'unknown',
          triggers: [],
        },
        'malformed',
        0,
        { error: parsed.reason },
        deps.now(),
      ),
    };
    const groupId = attributesOf(record).MessageGroupId ?? 'malformed';
    return sendDeadLetter(deps, record, undefined, letter, {
      body: record.body,
      groupId,
      dedupId: `${record.messageId}:dlq`,
    });
  }
  const { job } = parsed;
  const target = deps.targets.get(destinationKey(job.routeId, job.destinationId));
  const who = { route: job.routeId, destination: job.destinationId };
  const queuedAt = Number(attributesOf(record).SentTimestamp) || Date.parse(job.receivedAt) || now();
  let progress = (await deps.state.read(record.messageId)) ?? newProgress(queuedAt);
  const shared = <T>(step: (guard: DestinationGuard) => T) =>
    guarded(deps, who, target?.destination ?? { circuitBreaker: false }, step);

  // Before: attempt, wait (in the invocation for a short token wait, else by visibility), or give up.
  let before: ReturnType<typeof beforeAttempt>;
  const tokenBudget = Math.min(
    deps.maxTokenWaitMs ?? MAX_IN_PROCESS_TOKEN_WAIT_MS,
    // Leave the attempt (and its one 401 re-read) room within the function timeout.
    (context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY) -
      2 * (target?.destination.timeoutMs ?? 0) -
      1_000,
  );
  for (;;) {
    const decide = (guard: DestinationGuard | undefined) =>
      beforeAttempt({
        progress,
        guard,
        now: now(),
        maxHolds: MAX_HOLDS,
        ...(deps.maxHeldJobAgeMs === undefined ? {} : { maxHeldAgeMs: deps.maxHeldJobAgeMs }),
      });
    before = target ? await shared(decide) : decide(undefined);
    const { step } = before;
    if (!(step.action === 'wait' && step.cause === 'rate-limit' && step.delayMs <= tokenBudget)) break;
    await sleep(step.delayMs);
  }
  const { step } = before;
  if (step.action === 'dead-letter' || !target) {
    const reason = step.action === 'dead-letter' ? step.reason : 'unknown-destination';
    const last = before.last ?? progress.last ?? { error: '' };
    return deadLetter(deps, record, job, target, reason, { ...progress, last });
  }
  if (step.action === 'wait') return hold(deps, record, job, progress, step);
  if (step.action !== 'attempt') return { failed: false };

  progress = await deps.state.markStarted(record.messageId, progress);
  let result: AttemptResult;
  try {
    result = await attemptDelivery(job, target, progress.started, {
      secrets: deps.secrets,
      fetch: deps.fetch ?? globalThis.fetch,
      logger: deps.logger,
      ...(deps.metrics ? { metrics: deps.metrics } : {}),
    });
  } catch (error) {
    // Anything attemptDelivery does not classify: the same input fails the same way.
    const { name, message } = error as Error;
    result = { outcome: 'permanent', error: `internal error (${name}): ${String(message).slice(0, 200)}` };
  }
  const after = await shared((guard) =>
    afterAttempt({
      result,
      probe: step.probe,
      progress,
      guard,
      policy: target.destination.retry,
      now: now(),
      ...(deps.maxHeldJobAgeMs === undefined ? {} : { maxHeldAgeMs: deps.maxHeldJobAgeMs }),
      ...(deps.random ? { random: deps.random } : {}),
    }),
  );
  if (after.step.action === 'dead-letter') {
    return deadLetter(deps, record, job, target, after.step.reason, after.progress);
  }
  count(deps, job, after.outcome);
  switch (after.step.action) {
    case 'done':
      await deps.state.forget(record.messageId);
      return { failed: false };
    case 'wait':
      return hold(deps, record, job, after.progress, after.step);
    default:
      await deps.state.save(record.messageId, after.progress);
      return setVisibility(deps, record, job, after.step.action === 'retry' ? after.step.delayMs : 0, {
        message: 'retry scheduled',
      });
  }
}

/** Runs a step on the destination's shared guard; its events reach the logs once stored, and a
 *  circuit that closes lets every message held for it go at once. */
async function guarded<T>(
  deps: RecordDeps,
  who: { route: string; destination: string },
  config: GuardConfig,
  step: (guard: DestinationGuard) => T,
): Promise<T> {
  const { value, events } = await deps.state.use(who, config, step);
  for (const event of events) {
    deps.onGuardEvent(event);
    if (event.type === 'circuit-closed') await releaseHeld(deps, destinationKey(who.route, who.destination));
  }
  return value;
}

async function releaseHeld(deps: RecordDeps, destination: string): Promise<void> {
  try {
    const handles = await deps.state.release(destination);
    for (let i = 0; i < handles.length; i += 10) {
      await deps.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: deps.queueUrl,
          Entries: handles.slice(i, i + 10).map((handle, index) => ({
            Id: `h${index}`,
            ReceiptHandle: handle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
    if (handles.length > 0)
      deps.logger.info('circuit closed: held jobs let go', { destination, count: handles.length });
  } catch (error) {
    // They come back when their hold ends instead.
    deps.logger.warn('could not let held jobs go', { destination, cause: (error as Error).name });
  }
}

/** Holds the message back without charging an attempt: longer each time (a receive costs). */
async function hold(
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

async function setVisibility(
  deps: RecordDeps,
  record: SQSRecord,
  job: DeliveryJob,
  delayMs: number,
  note: { message: string; cause?: string },
): Promise<RecordOutcome> {
  const visibilitySeconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(delayMs / 1000)));
  try {
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: deps.queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: visibilitySeconds,
      }),
    );
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

async function deadLetter(
  deps: RecordDeps,
  record: SQSRecord,
  job: DeliveryJob,
  target: DeliveryTarget | undefined,
  reason: DeadLetterReason,
  progress: JobProgress,
): Promise<RecordOutcome> {
  const idempotencyKey = target ? idempotencyKeyFor(job.routeId, target.destination, job.body) : null;
  const letter = deadLetterFor(
    job,
    reason,
    progress.attempts,
    progress.last ?? { error: '' },
    deps.now(),
    idempotencyKey,
  );
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

async function sendDeadLetter(
  deps: RecordDeps,
  record: SQSRecord,
  job: DeliveryJob | undefined,
  letter: ReturnType<typeof deadLetterFor>,
  message: { body: string; groupId: string; dedupId: string },
): Promise<RecordOutcome> {
  const fields = {
    messageId: record.messageId,
    route: job?.routeId ?? null,
    destination: job?.destinationId ?? null,
    jobId: job?.id ?? null,
    idempotencyKey: letter.idempotencyKey,
    reason: letter.reason,
    attempts: letter.attempts,
    lastStatus: letter.lastStatus,
    lastError: letter.lastError,
  };
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

function count(deps: RecordDeps, job: DeliveryJob | undefined, outcome: DeliveryOutcome): void {
  (deps.metrics ?? NO_METRICS).count('deliveries', deliveryLabels(job, outcome));
}
