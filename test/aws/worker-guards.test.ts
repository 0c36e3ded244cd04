// The worker's circuit breaker and rate limit on the real SQS wire protocol (local-aws-sqs), one
// record per invocation as the deployed event source (batch size 1), real HTTP destinations.
// What matters on AWS: a receive that is not an attempt (a held-back job, a failed probe) does
// not spend the job's retries, and no held job reaches SQS's redrive without a reason.
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { parseConfig } from '../../lambda/core/config/parse';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { compileTemplates } from '../../lambda/core/render/templates';
import { buildTargets, createWorkerHandler, type WorkerDeps } from '../../lambda/worker';
import { CaptureLogger } from '../support/capture-logger';
import {
  type Behaviour,
  type DestinationServer,
  downWhile,
  startDestination,
} from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  sendMessageBatchVia,
  startLocalSqs,
} from '../support/local-sqs';
import { MemorySecretStore } from '../support/memory-secret-store';

const IMMEDIATE = { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 };

let sqs: LocalSqs;
let queues: FifoQueues;
let logger: CaptureLogger;
const open: Array<{ close(): Promise<void> }> = [];

let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
beforeEach(async () => {
  delivery = await startDeliveryState();
  sqs = await startLocalSqs();
  queues = await sqs.createQueues('jobs');
  logger = new CaptureLogger();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  await sqs.close();
  await delivery.close();
});

async function destination(behaviour: Behaviour): Promise<DestinationServer> {
  const server = await startDestination(behaviour);
  open.push(server);
  return server;
}

function setup(destinations: unknown[], extra: Partial<WorkerDeps> = {}) {
  const config = parseConfig({
    routes: [{ id: 'runs', allowUnsigned: true, allowInsecureHttp: true, destinations }],
  });
  const handler = createWorkerHandler({
    targets: buildTargets(config, compileTemplates(config)),
    sqs: sqs.bridge,
    queueUrl: queues.queueUrl,
    deadLetterQueueUrl: queues.dlqUrl,
    secrets: new MemorySecretStore(),
    logger,
    state: delivery.state,
    random: () => 1,
    ...extra,
  });
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  return {
    /** Enqueues `count` distinct notifications for `destinationId`, in order; returns the bodies. */
    async enqueue(destinationId: string, count: number): Promise<string[]> {
      const bodies: string[] = [];
      for (let n = 0; n < count; n++) {
        const body = fixture('tfe-run-completed-captured').replace('run-vnWnJSpBcUFUTaVJ', `run-${n}`);
        const notification = classifyPayload(JSON.parse(body) as Record<string, unknown>);
        await queue.enqueue(
          createJobs('runs', [{ id: destinationId, ordering: 'workspace' }], body, notification, new Date()),
        );
        bodies.push(body);
      }
      return bodies;
    },
    poll: () => pollOnce(sqs, queues, handler, 1),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const deadLetters = async () =>
  (await sqs.receive(queues.dlqUrl)).map((m) =>
    Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])),
  );
const attempts = () => logger.withMessage('delivery attempt').map((e) => [e.attempt, e.outcome]);

describe('worker circuit breaker (SQS)', () => {
  it('holds the head job while the destination is down, probes, and delivers every job in order', async () => {
    let down = true;
    const api = await destination(downWhile(() => down));
    const { enqueue, poll } = setup([
      { id: 'api', url: api.url, retry: IMMEDIATE, circuitBreaker: { failures: 2, coolDownMs: 1_000 } },
    ]);
    const bodies = await enqueue('api', 3);

    expect((await poll()).failed).toHaveLength(1); // attempt 1: 503, retried at once
    const second = await poll(); // attempt 2 = maxAttempts, but it opened the circuit: held, not exhausted
    expect(second.failed).toHaveLength(1);
    expect(logger.withMessage('circuit opened')).toEqual([
      expect.objectContaining({
        level: 'warn',
        route: 'runs',
        destination: 'api',
        consecutiveFailures: 2,
        coolDownMs: 1_000,
      }),
    ]);
    expect(logger.withMessage('held back')).toEqual([
      expect.objectContaining({ destination: 'api', cause: 'circuit-open', delaySeconds: 1 }),
    ]);
    expect(await deadLetters()).toEqual([]);

    // Made visible before the cool-down ends (as after a failed visibility change): this receive
    // is held back again without an attempt, and is not counted as one.
    const record = second.event.Records[0];
    await sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queues.queueUrl,
        ReceiptHandle: record?.receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const paused = await poll();
    expect(paused.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('3');
    expect(paused.failed).toHaveLength(1);
    expect(api.received).toHaveLength(2);
    // Each hold of a job is longer than the last (a receive costs): this one 2 s.
    expect(logger.withMessage('held back').at(-1)).toMatchObject({ delaySeconds: 2 });

    await sleep(2_100);
    const probe = await poll(); // the probe fails: open again, for twice as long
    expect(probe.failed).toHaveLength(1);
    expect(logger.withMessage('circuit probe')).toHaveLength(1);
    expect(logger.withMessage('circuit opened').at(-1)).toMatchObject({ coolDownMs: 2_000 });
    expect(await deadLetters()).toEqual([]);

    down = false;
    expect(logger.withMessage('held back').at(-1)).toMatchObject({ delaySeconds: 4 });
    await sleep(4_100);
    const recovered = await poll();
    expect(recovered.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('5');
    expect(recovered.failed).toEqual([]);
    expect(logger.withMessage('circuit closed')).toHaveLength(1);
    await poll();
    await poll();

    // 3 failures (2 attempts + 1 probe) for 5 receives; then every job, in order.
    expect(api.received.map((r) => r.body)).toEqual([bodies[0], bodies[0], bodies[0], ...bodies]);
    expect(attempts()).toEqual([
      [1, 'retry'],
      [2, 'held'], // it opened the circuit: held for the probe, not exhausted
      [3, 'held'], // the failed probe
      [4, 'delivered'],
      [1, 'delivered'],
      [1, 'delivered'],
    ]);
    expect(await deadLetters()).toEqual([]);
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
  });

  it('dead-letters a job held past the age limit as "expired", with its reason', async () => {
    const api = await destination(downWhile(() => true));
    const { enqueue, poll } = setup(
      [{ id: 'api', url: api.url, retry: IMMEDIATE, circuitBreaker: { failures: 1, coolDownMs: 1_000 } }],
      { maxHeldJobAgeMs: 0 },
    );
    await enqueue('api', 1);
    await sleep(5);
    expect((await poll()).failed).toEqual([]);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({
        reason: 'expired',
        attempts: '1',
        lastError: 'HTTP 503: {}',
      }),
    ]);
  });
});

describe('worker rate limit (SQS)', () => {
  it('waits in the invocation for a token when the wait is short', async () => {
    const api = await destination(() => ({ status: 200 }));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url, rateLimit: { perSecond: 4, burst: 1 } }]);
    const bodies = await enqueue('api', 3);
    for (let i = 0; i < 3; i++) expect((await poll()).failed).toEqual([]);
    expect(api.received.map((r) => r.body)).toEqual(bodies);
    expect(logger.withMessage('rate limit wait').length).toBeGreaterThan(0);
    expect(logger.withMessage('held back')).toEqual([]);
    expect(attempts()).toEqual([
      [1, 'delivered'],
      [1, 'delivered'],
      [1, 'delivered'],
    ]);
  });

  it('holds a job back by visibility when the wait is long, without counting an attempt', async () => {
    const api = await destination(() => ({ status: 200 }));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url, rateLimit: { perSecond: 1, burst: 1 } }], {
      maxTokenWaitMs: 0,
    });
    const bodies = await enqueue('api', 2);
    expect((await poll()).failed).toEqual([]);
    const held = await poll();
    expect(held.failed).toHaveLength(1);
    expect(api.received).toHaveLength(1);
    expect(logger.withMessage('held back')).toEqual([
      expect.objectContaining({ destination: 'api', cause: 'rate-limit', delaySeconds: 1 }),
    ]);
    await sleep(1_100);
    const second = await poll();
    expect(second.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.failed).toEqual([]);
    expect(api.received.map((r) => r.body)).toEqual(bodies);
    expect(attempts()).toEqual([
      [1, 'delivered'],
      [1, 'delivered'],
    ]);
  });
});
