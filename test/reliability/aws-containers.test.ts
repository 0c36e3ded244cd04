// The AWS path with several worker containers deciding as one (their state in DynamoDB, here
// dynalite), driven by a poller that does what Lambda's FIFO event source does, on a faked clock:
// a destination down for 30 simulated minutes holds every job without dead-lettering one, and a
// job that kills the worker is dead-lettered `worker_failed` within minutes, not the 100 hours a
// redrive limit of 1000 took.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { parseConfig } from '../../lambda/core/config/parse';
import { receiveBudget } from '../../lambda/core/deliver/engine';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { type Behaviour, type DestinationServer, startDestination } from '../support/destination-server';
import { startFifoPoller } from '../support/fifo-poller';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import { type FifoQueues, type LocalSqs, sendMessageBatchVia, startLocalSqs } from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const MINUTE = 60_000;
/** The stack's visibility timeout for a 10 s destination: 6 times the worker's 60 s timeout. */
const QUEUE_VISIBILITY_S = 360;

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
let api: DestinationServer | undefined;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
  [sqs, sm, delivery] = await Promise.all([startLocalSqs(), startSecretsManager(), startDeliveryState()]);
});
afterEach(async () => {
  vi.useRealTimers();
  await api?.close();
  await Promise.all([sqs.close(), sm.close(), delivery.close()]);
});

async function setup(
  behaviour: Behaviour,
  destination: Record<string, unknown>,
  state: typeof delivery.state = delivery.state,
) {
  api = await startDestination(behaviour);
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        allowUnsigned: true,
        allowInsecureHttp: true,
        destinations: [{ id: 'api', url: api.url, ...destination }],
      },
    ],
  });
  const maxAttempts = (destination.retry as { maxAttempts?: number } | undefined)?.maxAttempts ?? 6;
  queues = await sqs.createQueues('containers', {
    visibilityTimeout: QUEUE_VISIBILITY_S,
    maxReceiveCount: receiveBudget(maxAttempts),
  });
  const logger = new CaptureLogger();
  // Three containers: separate handlers, clients and secret caches; one delivery state.
  const handlers = Array.from({ length: 3 }, () =>
    workerFor({ config, sqs, queues, sm, logger, state, random: () => 1 }),
  );
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  const enqueue = async (workspaces: number, perWorkspace: number) => {
    const run = JSON.parse(fixture('tfe-run-errored')) as Record<string, unknown>;
    const bodies: string[] = [];
    for (let n = 0; n < perWorkspace; n++) {
      for (let w = 0; w < workspaces; w++) {
        const body = JSON.stringify({ ...run, workspace_id: `ws-${w}`, run_id: `run-${w}-${n}` });
        bodies.push(body);
        const notification = classifyPayload(JSON.parse(body));
        await queue.enqueue(
          createJobs('runs', config.routes[0]?.destinations ?? [], body, notification, new Date()),
        );
      }
    }
    return bodies;
  };
  return { handlers, enqueue, logger };
}

async function deadLetters() {
  return (await sqs.receive(queues.dlqUrl)).map((m) => ({
    reason: m.MessageAttributes?.reason?.StringValue,
    lastError: m.MessageAttributes?.lastError?.StringValue,
  }));
}

describe('worker containers sharing their delivery state', () => {
  it('hold every job through a 30-minute outage with the breaker open, then deliver all, in order, none exhausted', async () => {
    const downUntil = Date.now() + 30 * MINUTE;
    const { handlers, enqueue, logger } = await setup(
      (_request) => ({ status: Date.now() < downUntil ? 503 : 200 }),
      {
        retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
        circuitBreaker: { failures: 3, coolDownMs: MINUTE },
      },
    );
    const bodies = await enqueue(4, 5);
    const poller = await startFifoPoller({ sqs, queues, handlers, maxConcurrency: 3 });
    try {
      await poller.drain({ advanceClock: (at) => vi.setSystemTime(at), timeoutMs: 600_000 });
    } finally {
      await poller.stop();
    }
    expect(Date.now()).toBeGreaterThanOrEqual(downUntil);
    expect(await deadLetters()).toEqual([]);
    // Every notification arrived once it was up; per workspace in the order it was sent.
    const delivered =
      api?.received
        .filter((r) => r.at >= downUntil)
        .map((r) => JSON.parse(r.body) as { workspace_id: string; run_id: string }) ?? [];
    expect(new Set(delivered.map((d) => d.run_id)).size).toBe(bodies.length);
    for (const workspace of ['ws-0', 'ws-1', 'ws-2', 'ws-3']) {
      const runs = delivered.filter((d) => d.workspace_id === workspace).map((d) => d.run_id);
      expect(runs).toEqual(
        [...new Set(runs)].sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2])),
      );
    }
    // The breaker opened once across the containers' shared state, and probes went one at a time.
    expect(logger.withMessage('circuit opened').length).toBeGreaterThanOrEqual(1);
    expect(logger.withMessage('circuit closed')).toHaveLength(1);
    expect(poller.stats.redriven).toBe(0);
  }, 600_000);

  it('dead-letter a job that kills the worker as worker_failed after 3 tries, within the queue visibility x 3', async () => {
    // Every invocation dies right after it recorded the attempt as started (as a process killed
    // by a timeout or out of memory would): its answer never comes, nothing is deleted.
    const dying = Object.create(delivery.state) as typeof delivery.state;
    dying.markStarted = async (id, progress) => {
      await delivery.state.markStarted(id, progress);
      throw new Error('the container died during the attempt');
    };
    const { handlers, enqueue } = await setup(() => ({ status: 200 }), {}, dying);
    await enqueue(1, 1);
    const started = Date.now();
    const poller = await startFifoPoller({ sqs, queues, handlers });
    try {
      await poller.drain({ advanceClock: (at) => vi.setSystemTime(at), timeoutMs: 120_000 });
    } finally {
      await poller.stop();
    }
    expect(await deadLetters()).toEqual([
      { reason: 'worker_failed', lastError: expect.stringContaining('3 attempts never finished') },
    ]);
    expect(poller.stats.redriven).toBe(0);
    expect(Date.now() - started).toBeLessThanOrEqual(3 * QUEUE_VISIBILITY_S * 1000);
  }, 200_000);
});
