// One SQS record through the delivery state machine (core/deliver/engine.ts): this file asks it,
// sqs-steps.ts carries the steps out. Progress and the destination's guard come from the shared
// delivery state (DynamoDB), so any container decides as any other would.
import type { Context, SQSRecord } from 'aws-lambda';
import { parseJobMessage } from '../../core/contract';
import { attemptDelivery, logAttempt } from '../../core/deliver/attempt';
import { deadLetterFor } from '../../core/deliver/dead-letter';
import type { DestinationGuard } from '../../core/deliver/destination-guard';
import { afterAttempt, beforeAttempt, MAX_HOLDS, newProgress } from '../../core/deliver/engine';
import type { GuardBasis } from '../../core/ports';
import { destinationKey } from '../../core/receive/jobs';
import { count, deadLetter, guarded, hold, sendDeadLetter, setVisibility } from './sqs-steps';
import { MAX_IN_PROCESS_TOKEN_WAIT_MS, type RecordDeps, type RecordOutcome } from './sqs-worker-deps';

export { MAX_VISIBILITY_SECONDS } from './sqs-steps';

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
        { attempts: 0, last: { error: parsed.reason } },
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
  // A first receive has no progress yet: reading it would only cost a call.
  const receives = Number(attributesOf(record).ApproximateReceiveCount) || 0;
  let progress =
    (receives === 1 ? undefined : await deps.state.read(record.messageId)) ?? newProgress(queuedAt);
  // The guard as this job's last step left it: the next step starts from there, not a fresh read.
  let basis: GuardBasis | undefined;
  const shared = async <T>(step: (guard: DestinationGuard) => T): Promise<T> => {
    const result = await guarded(deps, who, target?.destination ?? { circuitBreaker: false }, step, basis);
    basis = result.basis;
    return result.value;
  };

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
  const report = await attemptDelivery(job, target, progress.started, {
    secrets: deps.secrets,
    fetch: deps.fetch ?? globalThis.fetch,
    signAws: deps.signAws,
    awsEndpoint: deps.awsEndpoint,
    fetchTls: deps.fetchTls,
    tokens: deps.tokens,
    logger: deps.logger,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.liveMessages ? { liveMessages: deps.liveMessages } : {}),
    ...(deps.enricher ? { enricher: deps.enricher } : {}),
  });
  const after = await shared((guard) =>
    afterAttempt({
      result: report.result,
      probe: step.probe,
      progress,
      guard,
      policy: target.destination.retry,
      now: now(),
      ...(deps.maxHeldJobAgeMs === undefined ? {} : { maxHeldAgeMs: deps.maxHeldJobAgeMs }),
      ...(deps.random ? { random: deps.random } : {}),
    }),
  );
  logAttempt(deps.logger, report, after.step.action);
  if (after.step.action === 'dead-letter') {
    return deadLetter(deps, record, job, target, after.step.reason, after.progress);
  }
  count(deps, job, after.outcome);
  switch (after.step.action) {
    case 'done':
      // Its progress item expires on its own (TTL): deleting it would cost a write per delivery.
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
