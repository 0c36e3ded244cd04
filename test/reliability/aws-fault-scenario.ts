// The fault-injection scenario on the AWS path, offline: the real receiver handler (Function URL
// events) → the SQS FIFO emulator (jobs queue with a RedrivePolicy DLQ) → a poll loop that does
// what the Lambda event source mapping does (batch size 1, delete what the handler did not report
// failed) → the real worker handler → destination servers failing a share of requests, with the
// worker's Secrets Manager throttling a share of reads.
//
// One invocation at a time: the emulator does not hold back the rest of a FIFO group while one of
// its messages is in flight (real SQS does, which is what keeps a group in order under the event
// source's parallel invocations). Receiving and handing back a busy group's message instead would
// raise its ApproximateReceiveCount, the worker's attempt number, and distort the run.
import { DeleteMessageBatchCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { parseConfig } from '../../lambda/core/config/parse';
import { receiverFor, workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import type { DestinationServer } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  signedFunctionUrlEvent,
  startLocalSqs,
} from '../support/local-sqs';
import { startSecretsManager } from '../support/secrets-manager-server';
import { seededRandom, startFaultyRoutes } from './fault-scenario';

export interface AwsScenarioOptions {
  notifications: number;
  faultShare: number;
  /** Share of the worker's secret reads answered with ThrottlingException. */
  throttleShare?: number;
  duplicates?: number;
  routes?: number;
  seed?: number;
}

export interface AwsScenarioResult {
  accepted: number;
  delivered: number;
  deadLettered: number;
  deadLetterReasons: Record<string, number>;
  lost: number;
  duplicatesDelivered: number;
  outOfOrder: number;
  /** Worker invocations, and those that reported the record failed (a retry). */
  invocations: number;
  retries: number;
  throttledSecretReads: number;
  leftOnQueue: number;
  elapsedMs: number;
}

const HMAC = 'aws-fault-scenario-signing-token';
const TOKEN = 'aws-fault-scenario-bearer-token';
const MAX_ATTEMPTS = 4;

export async function runAwsFaultScenario(options: AwsScenarioOptions): Promise<AwsScenarioResult> {
  const random = seededRandom(options.seed ?? 7);
  const routeCount = options.routes ?? 4;
  const started = Date.now();
  const sqs = await startLocalSqs();
  const delivery = await startDeliveryState();
  // Separate Secrets Manager fakes, as receiver and worker are separate functions; only the
  // worker's throttles, so the receiver's answers stay about the scenario.
  const [receiverSm, workerSm] = await Promise.all([startSecretsManager(), startSecretsManager()]);
  receiverSm.setSecret('hmac', HMAC);
  workerSm.setSecret('token', TOKEN);
  const servers: DestinationServer[] = [];
  try {
    // Infra sets maxReceiveCount to the retry budget + 2. The emulator also counts each
    // ChangeMessageVisibility (the worker's retry delay) towards it, unlike SQS, so it gets twice
    // that here; the worker's attempt numbers (ApproximateReceiveCount on receive) are right.
    const queues = await sqs.createQueues('faults', { maxReceiveCount: 2 * (MAX_ATTEMPTS + 2) });
    const { routes, deliveredBy } = await startFaultyRoutes(
      {
        routeCount,
        random,
        faultShare: options.faultShare,
        // Zero backoff: the worker's retry delay is a visibility timeout in whole seconds, and
        // the scenario is about outcomes, not waiting.
        retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 0, maxDelayMs: 0 },
      },
      servers,
    );
    const config = parseConfig({ routes });
    const logger = new CaptureLogger();
    const receiver = receiverFor({ config, sqs, queues, sm: receiverSm, logger });
    const worker = workerFor({
      config,
      sqs,
      queues,
      sm: workerSm,
      logger,
      state: delivery.state,
      // No cache, so every attempt reads the secret and throttling has something to hit.
      secretCache: { ttlMs: 0 },
      random,
    });

    // 1. Receive: one sender per route (acceptance order = queue order), routes in parallel.
    const template = fixture('tfe-run-completed-captured');
    const accepted = new Map<string, string[]>();
    const post = async (route: string, body: string) => {
      const response = await receiver(signedFunctionUrlEvent(`/hooks/${route}`, body, HMAC));
      const status = typeof response === 'string' ? 200 : response.statusCode;
      if (status !== 202) throw new Error(`${route} answered ${status}`);
    };
    await Promise.all(
      Array.from({ length: routeCount }, async (_, r) => {
        const route = `r${r}`;
        const bodies: string[] = [];
        accepted.set(route, bodies);
        for (let n = r; n < options.notifications; n += routeCount) {
          const body = template.replace('run-vnWnJSpBcUFUTaVJ', `run-${String(n).padStart(8, '0')}`);
          await post(route, body);
          bodies.push(body);
        }
      }),
    );
    // Client duplicates while the originals are still queued (inside SQS's dedup window; the
    // emulator deduplicates against queued messages only, so they go in before the worker runs).
    for (let i = 0; i < (options.duplicates ?? 0); i++) {
      const route = `r${i % routeCount}`;
      await post(route, accepted.get(route)?.[i] ?? '');
    }

    // 2. Deliver: the event source's poll loop, with throttles injected into the worker's reads.
    let invocations = 0;
    let retries = 0;
    let throttled = 0;
    const throttleShare = options.throttleShare ?? 0.05;
    const invoke = async (): Promise<boolean> => {
      const { event, failed } = await pollOnce(
        sqs,
        queues,
        async (batch) => {
          // An empty receive invokes nothing, as with the event source.
          if (batch.Records.length === 0) return { batchItemFailures: [] };
          if (random() < throttleShare) {
            workerSm.failNext(1, 'ThrottlingException');
            throttled++;
          }
          invocations++;
          return worker(batch);
        },
        1,
      );
      retries += failed.length;
      return event.Records.length > 0;
    };
    for (;;) {
      if (await invoke()) continue;
      // Nothing visible: done once nothing is in flight either.
      if ((await queueDepth(sqs, queues.queueUrl)) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // 3. Account for every accepted job.
    const letters = await drainDeadLetters(sqs, queues);
    let acceptedJobs = 0;
    let delivered = 0;
    let duplicatesDelivered = 0;
    let outOfOrder = 0;
    let lost = 0;
    for (const [key, bodies] of deliveredBy) {
      const [route, destination] = key.split('/');
      const sent = accepted.get(route ?? '') ?? [];
      acceptedJobs += sent.length;
      const dead = new Set(
        letters.filter((l) => l.routeId === route && l.destinationId === destination).map((l) => l.body),
      );
      for (const body of sent) {
        const times = bodies.get(body);
        if (times) {
          delivered++;
          duplicatesDelivered += times.length - 1;
        } else if (!dead.has(body)) lost++;
      }
      let lastIndex = -1;
      for (const index of [...bodies.keys()].map((body) => sent.indexOf(body))) {
        if (index < lastIndex) outOfOrder++;
        lastIndex = index;
      }
    }
    return {
      accepted: acceptedJobs,
      delivered,
      deadLettered: letters.length,
      deadLetterReasons: letters.reduce<Record<string, number>>((counts, l) => {
        counts[l.reason] = (counts[l.reason] ?? 0) + 1;
        return counts;
      }, {}),
      lost,
      duplicatesDelivered,
      outOfOrder,
      invocations,
      retries,
      throttledSecretReads: throttled,
      leftOnQueue: await queueDepth(sqs, queues.queueUrl),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await Promise.all([...servers.map((s) => s.close()), receiverSm.close(), workerSm.close()]);
    await sqs.close();
    await delivery.close();
  }
}

/** Messages visible or in flight on the queue. */
async function queueDepth(sqs: LocalSqs, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

interface ReadLetter {
  routeId: string;
  destinationId: string;
  body: string;
  reason: string;
}

/** Reads (and deletes) every dead letter: a FIFO receive holds back the rest of a group until
 *  the received ones are deleted. A letter without a reason was moved by the redrive policy. */
async function drainDeadLetters(sqs: LocalSqs, queues: FifoQueues): Promise<ReadLetter[]> {
  const letters: ReadLetter[] = [];
  for (;;) {
    const messages = await sqs.receive(queues.dlqUrl);
    if (messages.length === 0) return letters;
    for (const message of messages) {
      const job = JSON.parse(message.Body ?? '{}');
      letters.push({
        routeId: job.routeId,
        destinationId: job.destinationId,
        body: job.body,
        reason: message.MessageAttributes?.reason?.StringValue ?? 'redrive-policy',
      });
    }
    await sqs.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queues.dlqUrl,
        Entries: messages.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}
