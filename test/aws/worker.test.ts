// The worker Lambda handler with real-shaped SQS events built from messages received from the
// SQS emulator, delivering to real HTTP destinations, with Secrets Manager (fake) for auth.
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { parseConfig } from '../../lambda/core/config/parse';
import type { DeliveryJob } from '../../lambda/core/contract';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import type { WorkerHandler } from '../../lambda/worker';
import { workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import {
  answer,
  type Behaviour,
  type DestinationServer,
  failTimes,
  requireBearer,
  startDestination,
} from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  sendMessageBatchVia,
  sqsEvent,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const TOKEN = 'bfa620013597e9c30c179037ad74527a4956a561';
const ROTATED = 'c0ffee0000000000000000000000000000000042';
/** Retries 1 s apart (random() = 1 gives the full backoff), so tests can watch them. */
const ONE_SECOND = { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 1_000 };
const IMMEDIATE = { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 };

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let logger: CaptureLogger;
const open: Array<{ close(): Promise<void> }> = [];

let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
beforeEach(async () => {
  delivery = await startDeliveryState();
  [sqs, sm] = await Promise.all([startLocalSqs(), startSecretsManager()]);
  queues = await sqs.createQueues('jobs');
  sm.setSecret('tfe-bridge/token', TOKEN);
  logger = new CaptureLogger();
});
afterEach(async () => {
  await delivery.close();
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  await sm.close();
  await sqs.close();
});

async function destination(behaviour: Behaviour): Promise<DestinationServer> {
  const server = await startDestination(behaviour);
  open.push(server);
  return server;
}

interface Setup {
  handler: WorkerHandler;
  /** Enqueues `body` for the given destinations, as the receiver would. */
  enqueue(destinationIds: string[], body?: string): Promise<DeliveryJob[]>;
  poll(): ReturnType<typeof pollOnce>;
}

function setup(destinations: unknown[], options: { deadLetterQueueUrl?: string } = {}): Setup {
  const config = parseConfig({
    routes: [
      { id: 'runs', signingSecret: { secretId: 'tfe-bridge/hmac' }, allowInsecureHttp: true, destinations },
    ],
  });
  const handler = workerFor({
    config,
    sqs,
    queues,
    sm,
    logger,
    state: delivery.state,
    deadLetterQueueUrl: options.deadLetterQueueUrl,
    random: () => 1,
  });
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  return {
    handler,
    async enqueue(destinationIds, body = fixture('tfe-run-errored')) {
      const notification = classifyPayload(JSON.parse(body) as Record<string, unknown>);
      // With each destination's own ordering, as the receiver does.
      const configured = config.routes[0]?.destinations ?? [];
      const jobs = createJobs(
        'runs',
        destinationIds.map(
          (id) => configured.find((d) => d.id === id) ?? { id, ordering: 'workspace' as const },
        ),
        body,
        notification,
        new Date(),
      );
      await queue.enqueue(jobs);
      return jobs;
    },
    poll: () => pollOnce(sqs, queues, handler),
  };
}

const bearer = { type: 'bearer', secret: { secretId: 'tfe-bridge/token' } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function deadLetters() {
  return (await sqs.receive(queues.dlqUrl)).map((message) => ({
    body: message.Body,
    groupId: message.Attributes?.MessageGroupId,
    dedupId: message.Attributes?.MessageDeduplicationId,
    attributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    ),
  }));
}

describe('worker Lambda handler (SQS events)', () => {
  it('delivers a job with its bearer token and reports no failure, so the message is deleted', async () => {
    const api = await destination(requireBearer(() => TOKEN));
    const { enqueue, poll } = setup([{ id: 'api', url: `${api.url}/callback`, auth: bearer }]);
    const body = fixture('tfe-run-completed-captured');
    await enqueue(['api'], body);

    const { response, event } = await poll();
    expect(event.Records).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(api.received).toHaveLength(1);
    expect(api.received[0]?.body).toBe(body);
    expect(api.received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
    expect(await deadLetters()).toEqual([]);
    expect(logger.withMessage('delivery attempt')).toEqual([
      expect.objectContaining({ destination: 'api', attempt: 1, outcome: 'delivered', status: 200 }),
    ]);
  });

  it('reports a retryable failure and makes the message visible again after the backoff', async () => {
    const api = await destination(failTimes(1, 503));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url, retry: ONE_SECOND }]);
    const [job] = await enqueue(['api']);

    const first = await poll();
    expect(first.failed).toEqual([first.event.Records[0]?.messageId]);
    expect(logger.withMessage('retry scheduled')).toEqual([
      expect.objectContaining({ jobId: job?.id, delaySeconds: 1 }),
    ]);
    // Still invisible right away; back after ~1 s, not after the queue's 30 s timeout.
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
    await sleep(1_200);
    const second = await poll();
    expect(second.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    expect(second.response.batchItemFailures).toEqual([]);
    expect(api.received).toHaveLength(2);
    expect(logger.withMessage('delivery attempt').map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'retry'],
      [2, 'delivered'],
    ]);
  });

  it('dead-letters after the last attempt with the reason in message attributes', async () => {
    const api = await destination(answer(500));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url, retry: IMMEDIATE }]);
    const [job] = await enqueue(['api']);

    expect((await poll()).failed).toHaveLength(1);
    const second = await poll();
    expect(second.event.Records[0]?.attributes.ApproximateReceiveCount).toBe('2');
    // Dead-lettered = handled: the record is not reported failed, so SQS deletes it.
    expect(second.failed).toEqual([]);
    expect(api.received).toHaveLength(2);

    const [letter, ...more] = await deadLetters();
    expect(more).toEqual([]);
    // The job's own ordering group (route/destination/workspace), so a redrive keeps its place.
    expect(letter?.groupId).toBe(job?.group);
    expect(job?.group).toMatch(/^runs\/api\/ws-/);
    // Unique per message: a replayed job dead-lettered again within 5 minutes is not deduplicated away.
    expect(letter?.dedupId).toBe(`${job?.id}:dlq:${second.event.Records[0]?.messageId}`);
    expect(JSON.parse(letter?.body ?? '')).toEqual(job);
    expect(letter?.attributes).toEqual({
      reason: 'exhausted',
      attempts: '2',
      lastStatus: '500',
      lastError: 'HTTP 500: {}',
      deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      // The key both attempts carried, so the letter can be matched with the destination's records.
      idempotencyKey: job?.id,
    });
    expect(api.received.map((r) => r.headers['idempotency-key'])).toEqual([job?.id, job?.id]);
    // The key is the job id: the lines carry it once, as jobId; the last attempt reads dead-lettered.
    expect(logger.withMessage('delivery attempt').map((e) => [e.jobId, e.outcome])).toEqual([
      [job?.id, 'retry'],
      [job?.id, 'dead-lettered'],
    ]);
    expect(logger.withMessage('dead-lettered')).toEqual([expect.objectContaining({ jobId: job?.id })]);
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
  });

  it('dead-letters a permanent 4xx at once, without waiting for retries', async () => {
    const api = await destination(answer(422));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url, retry: ONE_SECOND }]);
    await enqueue(['api']);

    expect((await poll()).failed).toEqual([]);
    expect(api.received).toHaveLength(1);
    const [letter] = await deadLetters();
    expect(letter?.attributes).toMatchObject({ reason: 'permanent', attempts: '1', lastStatus: '422' });
    expect(logger.withMessage('dead-lettered')).toEqual([
      expect.objectContaining({ level: 'warn', reason: 'permanent', destination: 'api' }),
    ]);
  });

  it('re-reads a rotated token once on a 401 and delivers with the new one', async () => {
    let current = TOKEN;
    const api = await destination(requireBearer(() => current));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url, auth: bearer }]);
    await enqueue(['api']);
    expect((await poll()).failed).toEqual([]);

    current = ROTATED;
    sm.setSecret('tfe-bridge/token', ROTATED);
    await enqueue(['api'], fixture('tfe-run-planned'));
    expect((await poll()).failed).toEqual([]);
    expect(api.received.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
      `Bearer ${ROTATED}`,
    ]);
    expect(sm.requests).toBe(2);
  });

  it('retries (not crashes) when the auth secret is missing, with a log line naming it', async () => {
    const api = await destination(answer(200));
    const { enqueue, poll } = setup([
      {
        id: 'api',
        url: api.url,
        auth: { type: 'bearer', secret: { secretId: 'tfe-bridge/typo' } },
        retry: ONE_SECOND,
      },
    ]);
    await enqueue(['api']);
    const { failed } = await poll();
    expect(failed).toHaveLength(1);
    expect(api.received).toEqual([]);
    expect(logger.withMessage('secret unavailable')).toEqual([
      expect.objectContaining({
        secretId: 'tfe-bridge/typo',
        error: 'secret "tfe-bridge/typo" not found in Secrets Manager',
      }),
    ]);
    expect(logger.withMessage('delivery attempt')).toEqual([
      expect.objectContaining({
        outcome: 'retry',
        error: 'secret "tfe-bridge/typo" not found in Secrets Manager',
      }),
    ]);
  });

  it('keeps FIFO order: after a failure, later records of the same group fail unattempted', async () => {
    const flaky = await destination(failTimes(1, 503));
    const steady = await destination(answer(200));
    // One group per destination: the two notifications come from different workspaces.
    const { enqueue, poll } = setup([
      { id: 'flaky', url: flaky.url, retry: ONE_SECOND, ordering: 'destination' },
      { id: 'steady', url: steady.url, ordering: 'destination' },
    ]);
    const first = fixture('tfe-run-planned');
    const second = fixture('tfe-run-completed-captured');
    await enqueue(['flaky', 'steady'], first);
    await enqueue(['flaky'], second);

    const poll1 = await poll();
    const byGroup = (group: string) =>
      poll1.event.Records.filter((r) => r.attributes.MessageGroupId === group).map((r) => r.messageId);
    expect(byGroup('runs/flaky')).toHaveLength(2);
    expect(poll1.failed.sort()).toEqual(byGroup('runs/flaky').sort());
    // The second flaky record was never attempted; the other group went through.
    expect(flaky.received.map((r) => r.body)).toEqual([first]);
    expect(steady.received.map((r) => r.body)).toEqual([first]);
    expect(logger.withMessage('skipped: an earlier message of the same group failed')).toEqual([
      expect.objectContaining({ group: 'runs/flaky', skipped: 1 }),
    ]);

    // Both come back together after the 1 s backoff (the skipped one was held back just as
    // long, not for the queue's 30 s), in their original order.
    await sleep(1_200);
    const poll2 = await poll();
    expect(poll2.event.Records).toHaveLength(2);
    expect(poll2.failed).toEqual([]);
    expect(flaky.received.map((r) => r.body)).toEqual([first, first, second]);
  });

  it('dead-letters a message whose body is not a delivery job, with reason "malformed"', async () => {
    const { poll } = setup([{ id: 'api', url: 'http://127.0.0.1:9' }]);
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: '{"not":"a job"}',
        MessageGroupId: 'runs/api',
        MessageDeduplicationId: 'junk-1',
      }),
    );
    const { failed, event } = await poll();
    expect(failed).toEqual([]);
    const [letter] = await deadLetters();
    expect(letter?.body).toBe('{"not":"a job"}');
    expect(letter?.groupId).toBe('runs/api');
    expect(letter?.dedupId).toBe(`${event.Records[0]?.messageId}:dlq`);
    expect(letter?.attributes).toMatchObject({ reason: 'malformed', attempts: '0' });
    expect(letter?.attributes.lastError).toContain('not a delivery job');
  });

  it('handles each record on its own: one without attributes does not throw the batch away', async () => {
    const api = await destination(answer(200));
    const { handler, enqueue } = setup([
      { id: 'a', url: api.url },
      { id: 'b', url: api.url },
    ]);
    await enqueue(['a', 'b']);
    const messages = await sqs.receive(queues.queueUrl, 10);
    const event = sqsEvent(messages, queues.queueArn);
    expect(event.Records).toHaveLength(2);
    // As a test harness or a hand-built event may send it.
    delete (event.Records[0] as { attributes?: unknown }).attributes;
    const response = await handler(event);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(api.received).toHaveLength(2);
  });

  it('dead-letters a job for a destination the deployed config no longer has', async () => {
    const api = await destination(answer(200));
    const old = setup([{ id: 'removed', url: api.url }]);
    await old.enqueue(['removed']);
    const { poll } = setup([{ id: 'api', url: api.url }]);
    expect((await poll()).failed).toEqual([]);
    expect(api.received).toEqual([]);
    const [letter] = await deadLetters();
    expect(letter?.attributes).toMatchObject({ reason: 'unknown-destination', attempts: '0' });
  });

  it('keeps the message (reports it failed) when the dead-letter queue cannot be reached', async () => {
    const api = await destination(answer(400));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url }], {
      deadLetterQueueUrl: queues.dlqUrl.replace('jobs-dlq.fifo', 'missing-dlq.fifo'),
    });
    await enqueue(['api']);
    const { failed, event } = await poll();
    expect(failed).toEqual([event.Records[0]?.messageId]);
    expect(logger.withMessage('dead letter could not be sent, the message stays on the queue')).toEqual([
      expect.objectContaining({ level: 'error', reason: 'permanent', cause: 'QueueDoesNotExist' }),
    ]);
    expect(await deadLetters()).toEqual([]);
  });

  it('never puts the token into logs or dead-letter attributes', async () => {
    // The destination echoes the token back in its error body; the worker must redact it.
    const api = await destination((request) => ({
      status: 400,
      body: `bad token ${request.headers.authorization}`,
    }));
    const { enqueue, poll } = setup([{ id: 'api', url: api.url, auth: bearer }]);
    await enqueue(['api']);
    await poll();
    const [letter] = await deadLetters();
    expect(letter?.attributes.lastError).toBe('HTTP 400: bad token Bearer ***');
    expect(logger.text()).not.toContain(TOKEN);
  });
});
