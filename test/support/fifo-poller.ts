// A Lambda SQS event source for a FIFO queue, against local-aws-sqs: several handler "containers"
// at once, FIFO group locks, receive counts and redrive as SQS keeps them, visibility on Date.now().
//
// Why it works this way: local-aws-sqs 2.0.2 hands out a group's next message while one is in
// flight; a received message cannot go back without counting a receive (ChangeMessageVisibility
// counts as one, towards maxReceiveCount too); its visibility timeouts and delays are setTimeout
// timers, so a faked Date does not move them. So:
// - The poller claims every message as soon as the emulator shows it (claimed-messages.ts) and
//   keeps it until it is deleted or redriven. A claim is not a receive.
// - A receive is a hand-out: a group's oldest message goes to a handler once it is visible by
//   Date.now() and nothing of its group is in flight. The event's ApproximateReceiveCount and
//   ApproximateFirstReceiveTimestamp are the poller's count, which is what SQS would report.
// - After an invocation, what the handler did not report failed is deleted. A failed record is
//   visible again when the handler's last ChangeMessageVisibility said (the SQS proxy shows it to
//   the poller and keeps the message claimed on the emulator), else after the queue's
//   VisibilityTimeout from the hand-out.
// - Redrive: the emulator's RedrivePolicy is off while the poller runs (stop() restores it); a
//   message received maxReceiveCount times moves to the DLQ at its next receive, as on SQS.
// Differences from SQS + Lambda that remain:
// - It must be the queue's only consumer. A redriven message is re-sent (SendMessage + Delete):
//   new MessageId and SentTimestamp in the DLQ, no DeadLetterQueueSourceArn attribute.
// - No function timeout: an invocation lasts until its handler settles (`crash` plays a timeout).
//   No throttling, batching window or poller scaling, so no receives Lambda would add on its own.
// - Across groups the oldest message goes first (SQS promises no order across groups). The
//   queue's DelaySeconds and retention still run on the emulator's real-time timers; after stop(),
//   the emulator's own counts of the released messages include the claims.
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { CLAIM_SECONDS, type Claimed, ClaimedMessages } from './claimed-messages';
import { lambdaContext } from './lambda-runtime';
import { type FifoQueues, type LocalSqs, sqsEvent } from './local-sqs';

export type SqsHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;
/** `before`: the container dies before the handler runs; `after`: the handler runs and its answer
 *  is lost (a timeout). Either way nothing is deleted, as after any failed invocation. */
export type Crash = 'before' | 'after';

export interface FifoPollerOptions {
  sqs: LocalSqs;
  queues: FifoQueues;
  /** One per container, each with its own state; a container runs one invocation at a time. */
  handlers: readonly SqsHandler[];
  /** Records per invocation (infra uses 1). */
  batchSize?: number;
  /** The event source's maximum concurrency: default, and at most, one per handler. */
  maxConcurrency?: number;
  /** Whether the n-th invocation (1-based) dies, and how. */
  crash?: (event: SQSEvent, n: number) => Crash | undefined;
  /** Where context.getRemainingTimeInMillis() starts (real time); default 15 minutes. */
  functionTimeoutMs?: number;
}

export interface DrainOptions {
  /** Done when this holds (default: the queue is empty and nothing is in flight). */
  until?: () => boolean | Promise<boolean>;
  /** Called with the next visibility deadline when nothing else can happen: vi.setSystemTime. */
  advanceClock?: (epochMs: number) => void;
  /** Real time before drain gives up with an error (default 120 s). */
  timeoutMs?: number;
}

export interface FifoPoller {
  readonly stats: { invocations: number; crashes: number; redriven: number; maxInFlight: number };
  drain(options?: DrainOptions): Promise<void>;
  /** Waits for the invocations in flight, then hands every held message back to the queue. */
  stop(): Promise<void>;
}

const IDLE_MS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFifoPoller(options: FifoPollerOptions): Promise<FifoPoller> {
  const { sqs, queues, handlers, batchSize = 1 } = options;
  const limit = options.maxConcurrency ?? handlers.length;
  if (limit < 1 || limit > handlers.length) {
    throw new Error(`${handlers.length} handlers for a concurrency of ${limit}: give one per container`);
  }
  const { client } = sqs;
  const QueueUrl = queues.queueUrl;
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }),
  );
  const visibilityMs = Number(Attributes.VisibilityTimeout ?? 30) * 1000;
  const redrivePolicy = Attributes.RedrivePolicy;
  const maxReceiveCount = redrivePolicy
    ? Number((JSON.parse(redrivePolicy) as { maxReceiveCount: unknown }).maxReceiveCount)
    : Number.POSITIVE_INFINITY;
  if (redrivePolicy) {
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: '' } }));
  }

  const stats = { invocations: 0, crashes: 0, redriven: 0, maxInFlight: 0 };
  const queue = new ClaimedMessages(client, QueueUrl);
  /** Receipt handle of each record in flight → the visibility deadline its handler set. */
  const changed = new Map<string, number | undefined>();
  const idle = handlers.map(() => true);
  const running = new Set<Promise<void>>();
  let inFlight = 0;
  let nextHandler = 0;
  let stopped = false;
  let failure: unknown;

  // The emulator would hand the message out (and count it) on its own real-time timer: it stays
  // claimed there, and the poller makes it visible at the time the handler asked for.
  const undoRewrite = sqs.rewriteVisibility((handle, seconds) => {
    if (!changed.has(handle)) return undefined;
    changed.set(handle, Date.now() + seconds * 1000);
    return CLAIM_SECONDS;
  });

  function track(work: Promise<void>) {
    const tracked: Promise<void> = work
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => {
        running.delete(tracked);
        dispatch();
      });
    running.add(tracked);
  }

  /** Hands out what SQS would return now, while the event source has room for an invocation. */
  function dispatch() {
    if (stopped) return;
    const runs = queue.runs(maxReceiveCount);
    for (let run = runs.shift(); run && inFlight < limit; run = runs.shift()) {
      const head = run[0] as Claimed;
      if (head.receives >= maxReceiveCount) {
        head.busy = true;
        track(redrive(head));
        continue;
      }
      const batch = run.slice(0, batchSize);
      // Room left takes the next groups' runs, as a FIFO event source's batch may.
      while (batch.length < batchSize && (runs[0]?.[0]?.receives ?? maxReceiveCount) < maxReceiveCount) {
        batch.push(...(runs.shift() ?? []).slice(0, batchSize - batch.length));
      }
      track(invoke(batch));
    }
  }

  async function redrive(entry: Claimed) {
    const { message } = entry;
    await client.send(
      new SendMessageCommand({
        QueueUrl: queues.dlqUrl,
        MessageBody: message.Body ?? '',
        MessageGroupId: entry.group,
        MessageDeduplicationId: entry.id,
        ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
      }),
    );
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle ?? '' }));
    stats.redriven++;
    queue.forget(entry);
  }

  /** Takes the next free container (round robin), so every container's state gets used. */
  async function invoke(batch: Claimed[]) {
    const free = handlers.findIndex((_, i) => idle[(nextHandler + i) % handlers.length]);
    const index = (nextHandler + free) % handlers.length;
    nextHandler = index + 1;
    idle[index] = false;
    inFlight++;
    stats.invocations++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      await runInvocation(handlers[index] as SqsHandler, batch);
    } finally {
      idle[index] = true;
      inFlight--;
    }
  }

  async function runInvocation(handler: SqsHandler, batch: Claimed[]) {
    const handedOutAt = Date.now();
    const handles = batch.map((e) => e.message.ReceiptHandle ?? '');
    for (const [i, entry] of batch.entries()) {
      entry.busy = true;
      entry.receives++;
      entry.firstReceiveAt ??= handedOutAt;
      changed.set(handles[i] as string, undefined);
    }
    const event = sqsEvent(
      batch.map((e) => e.message),
      queues.queueArn,
    );
    event.Records.forEach((record, i) => {
      const entry = batch[i] as Claimed;
      record.attributes.ApproximateReceiveCount = String(entry.receives);
      record.attributes.ApproximateFirstReceiveTimestamp = String(entry.firstReceiveAt);
    });
    const failed = new Set(batch.map((e) => e.id));
    try {
      const crash = options.crash?.(event, stats.invocations);
      if (crash) stats.crashes++;
      if (crash !== 'before') {
        const end = performance.now() + (options.functionTimeoutMs ?? 900_000);
        const context = {
          ...lambdaContext('worker'),
          getRemainingTimeInMillis: () => Math.max(0, Math.round(end - performance.now())),
        };
        const response = await handler(event, context);
        if (!crash) {
          const reported = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
          for (const entry of batch) if (!reported.has(entry.id)) failed.delete(entry.id);
        }
      }
    } catch {
      // A function error: Lambda retries the whole batch, as after a timeout.
    }
    const done = batch.flatMap((e, i) => (failed.has(e.id) ? [] : [{ entry: e, handle: handles[i] }]));
    if (done.length > 0) {
      const { Failed = [] } = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: done.map((d, i) => ({ Id: String(i), ReceiptHandle: d.handle })),
        }),
      );
      // Not deleted: back after its visibility timeout, as on SQS.
      for (const f of Failed) failed.add(done[Number(f.Id)]?.entry.id ?? '');
    }
    for (const [i, entry] of batch.entries()) {
      const setByHandler = changed.get(handles[i] as string);
      changed.delete(handles[i] as string);
      entry.busy = false;
      if (failed.has(entry.id)) entry.visibleAt = setByHandler ?? handedOutAt + visibilityMs;
      else queue.forget(entry);
    }
  }

  const claimLoop = (async () => {
    while (!stopped) {
      try {
        if ((await queue.claimAll()) > 0) dispatch();
      } catch (error) {
        if (!stopped) failure ??= error;
      }
      await sleep(IDLE_MS);
    }
  })();

  async function isEmpty(): Promise<boolean> {
    if (queue.all.length > 0 || running.size > 0) return false;
    const { Attributes: counts = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return counts.ApproximateNumberOfMessages === '0' && counts.ApproximateNumberOfMessagesDelayed === '0';
  }

  return {
    stats,
    async drain({ until, advanceClock, timeoutMs = 120_000 } = {}) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (failure) throw failure;
        if (until ? await until() : await isEmpty()) return;
        if (advanceClock && running.size === 0) {
          // Nothing in flight: claim what is there, then skip to the next deadline if nothing is due.
          await queue.claimAll();
          const next = queue.nextVisibleAt();
          if (running.size === 0 && next !== undefined && queue.runs(maxReceiveCount).length === 0) {
            advanceClock(next);
          }
          dispatch();
        }
        if (performance.now() > deadline) {
          const state = `${queue.describe()}, ${running.size} running, ${JSON.stringify(stats)}`;
          throw new Error(`fifo poller: not drained within ${timeoutMs} ms: ${state}`);
        }
        await sleep(IDLE_MS);
      }
    },
    async stop() {
      stopped = true;
      await claimLoop;
      while (running.size > 0) await Promise.all(running);
      undoRewrite();
      await queue.releaseAll();
      // The emulator's zero timers fire before its redrive check is back.
      await sleep(IDLE_MS);
      if (redrivePolicy) {
        await client.send(
          new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: redrivePolicy } }),
        );
      }
    },
  };
}
