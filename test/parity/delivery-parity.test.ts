// One table of delivery cases, run against both runtimes on a fake clock: the local runner (SQLite
// store) and the AWS worker (SQS emulator, DynamoDB on dynalite). Each case drives one job step
// by step (a lane step locally, an SQS receive on AWS) and records what each step decided, from the
// log lines both runtimes write. Both must decide the same, step for step.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsEndpointResolver } from '../../lambda/adapters/aws/aws-endpoints';
import { createAwsRequestSigner } from '../../lambda/adapters/aws/aws-request-signer';
import { sdkCredentialChain } from '../../lambda/adapters/aws/sdk-credential-chain';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { DeliveryRunner } from '../../lambda/adapters/local/delivery-runner';
import { LocalStore } from '../../lambda/adapters/local/local-store';
import { laneOf } from '../../lambda/adapters/local/store-queue';
import { createTlsFetch } from '../../lambda/adapters/tls-fetch';
import { parseConfig } from '../../lambda/core/config/parse';
import type { SecretRef } from '../../lambda/core/config/schema';
import type { DeliveryJob } from '../../lambda/core/contract';
import { buildTargets } from '../../lambda/core/deliver/request';
import type { SecretStore } from '../../lambda/core/ports';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { compileTemplates } from '../../lambda/core/render/templates';
import { selectSecretValue } from '../../lambda/core/secrets';
import { createWorkerHandler } from '../../lambda/worker';
import { CaptureLogger } from '../support/capture-logger';
import { type Behaviour, type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import { sendMessageBatchVia, sqsEvent, startLocalSqs } from '../support/local-sqs';

const MINUTE = 60_000;
const TOKEN = 'parity-bearer-token-new-0000000001';

/** Secrets as a cached store serves them: the old token until a forced re-read (rotation). */
class RotatedSecretStore implements SecretStore {
  constructor(
    private readonly values: Record<string, unknown>,
    private readonly stale: Record<string, unknown>,
  ) {}
  async getSecret(ref: SecretRef, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const source = options.forceRefresh ? this.values : { ...this.values, ...this.stale };
    return selectSecretValue(source[ref.secretId], ref);
  }
}

interface Case {
  name: string;
  destination?: Record<string, unknown>;
  behaviour: Behaviour;
  /** The job's destination, when not the configured one (a destination removed by a redeploy). */
  jobDestination?: string;
  receivedAt?: string;
  secrets?: SecretStore;
  maxHeldJobAgeMs?: number;
  /** Attempts started and never finished (the delivering process died) before the first step. */
  crashes?: number;
  /** Per step, how far the clock moves first (ms). */
  steps: number[];
  expected: string[];
}

const up: Behaviour = () => ({ status: 200 });
const sequence =
  (...replies: Array<ReturnType<Behaviour>>): Behaviour =>
  (_request, n) =>
    replies[Math.min(n, replies.length) - 1] ?? { status: 200 };
const bearer = { type: 'bearer', secret: { secretId: 'token' } };

const CASES: Case[] = [
  { name: 'delivers at once', behaviour: up, steps: [0], expected: ['1 attempt: delivered'] },
  {
    name: 'retries a 503 with backoff, then delivers',
    behaviour: sequence({ status: 503 }, { status: 200 }),
    steps: [0, 1_000],
    expected: ['1 attempt: retry in 1 s', '1 attempt: delivered'],
  },
  {
    name: 'honours Retry-After',
    behaviour: sequence({ status: 429, headers: { 'retry-after': '30' } }, { status: 200 }),
    steps: [0, 30_000],
    expected: ['1 attempt: retry in 30 s', '1 attempt: delivered'],
  },
  {
    name: 'dead-letters a permanent 4xx at once',
    behaviour: () => ({ status: 400 }),
    steps: [0],
    expected: ['1 attempt: dead-lettered permanent after 1'],
  },
  {
    name: 'dead-letters as exhausted after the retry budget',
    destination: { retry: { maxAttempts: 2, baseDelayMs: 1_000, maxDelayMs: 1_000 } },
    behaviour: () => ({ status: 503 }),
    steps: [0, 1_000],
    expected: ['1 attempt: retry in 1 s', '1 attempt: dead-lettered exhausted after 2'],
  },
  {
    name: 'dead-letters a permanent secret error on its first attempt, without sending',
    destination: { auth: { type: 'bearer', secret: { secretId: 'token', jsonKey: 'value' } } },
    secrets: new RotatedSecretStore({ token: TOKEN }, {}),
    behaviour: up,
    steps: [0],
    expected: ['1 attempt: dead-lettered permanent after 1'],
  },
  {
    name: 'reads a rotated token again on a 401 and delivers within the same attempt',
    destination: { auth: bearer },
    secrets: new RotatedSecretStore({ token: TOKEN }, { token: 'parity-bearer-token-old-000000000001' }),
    behaviour: (request) => ({ status: request.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401 }),
    steps: [0],
    expected: ['1 attempt: delivered'],
  },
  {
    name: 'dead-letters a job for a destination the running config no longer has',
    jobDestination: 'removed',
    behaviour: up,
    steps: [0],
    expected: ['0 attempts: dead-lettered unknown-destination after 0'],
  },
  {
    name: 'holds a job while the circuit is open, then the probe delivers it',
    destination: { circuitBreaker: { failures: 1, coolDownMs: MINUTE } },
    behaviour: sequence({ status: 503 }, { status: 200 }),
    steps: [0, MINUTE],
    expected: ['1 attempt: held (circuit-open)', '1 attempt: delivered'],
  },
  {
    name: 'never dead-letters exhausted while the circuit is open, and does not charge failed probes',
    destination: {
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      circuitBreaker: { failures: 1, coolDownMs: MINUTE },
    },
    behaviour: sequence({ status: 503 }, { status: 503 }, { status: 200 }),
    steps: [0, MINUTE, 2 * MINUTE],
    expected: ['1 attempt: held (circuit-open)', '1 attempt: held (circuit-open)', '1 attempt: delivered'],
  },
  {
    name: 'holds without an attempt while the circuit is open, and expires a job held past the age limit',
    destination: { circuitBreaker: { failures: 1, coolDownMs: 60 * MINUTE } },
    behaviour: () => ({ status: 503 }),
    maxHeldJobAgeMs: 30 * MINUTE,
    steps: [0, 10 * MINUTE, 21 * MINUTE],
    expected: [
      '1 attempt: held (circuit-open)',
      '0 attempts: held (circuit-open)',
      '0 attempts: dead-lettered expired after 1',
    ],
  },
  {
    name: 'measures a replayed old job from its replay, not from when HashiCorp sent it',
    destination: { circuitBreaker: { failures: 1, coolDownMs: MINUTE } },
    receivedAt: new Date(Date.now() - 40 * 24 * 60 * MINUTE).toISOString(),
    behaviour: sequence({ status: 503 }, { status: 200 }),
    steps: [0, MINUTE],
    expected: ['1 attempt: held (circuit-open)', '1 attempt: delivered'],
  },
  {
    name: 'dead-letters as worker_failed a job whose attempts died with their process three times',
    crashes: 3,
    behaviour: up,
    steps: [0],
    expected: ['0 attempts: dead-lettered worker_failed after 0'],
  },
];

/** What one step decided, from the log lines it wrote (the same in both runtimes). */
function describeStep(entries: CaptureLogger['entries']): string {
  const attempts = entries.filter((e) => e.message === 'delivery attempt');
  const count = `${attempts.length} attempt${attempts.length === 1 ? '' : 's'}`;
  const dead = entries.find((e) => e.message === 'dead-lettered');
  if (dead) return `${count}: dead-lettered ${dead.reason} after ${dead.attempts}`;
  const held = entries.find((e) => e.message === 'held back');
  if (held) return `${count}: held (${held.cause})`;
  const retry = entries.find((e) => e.message === 'retry scheduled');
  if (retry) return `${count}: retry in ${retry.delaySeconds} s`;
  return attempts.at(-1)?.outcome === 'delivered' ? `${count}: delivered` : `${count}: nothing`;
}

interface Runtime {
  logger: CaptureLogger;
  enqueue(job: DeliveryJob): Promise<void>;
  crash(times: number): Promise<void>;
  step(): Promise<void>;
  close(): Promise<void>;
}

type Setup = {
  config: ReturnType<typeof parseConfig>;
  secrets: SecretStore;
  clock: { now: number };
  maxHeldJobAgeMs?: number;
};

async function localRuntime({ config, secrets, clock, maxHeldJobAgeMs }: Setup): Promise<Runtime> {
  const logger = new CaptureLogger();
  const store = LocalStore.open(join(mkdtempSync(join(tmpdir(), 'tfe-bridge-parity-')), 'bridge.db'), {
    now: () => clock.now,
  });
  const runner = new DeliveryRunner({
    store,
    targets: buildTargets(config, compileTemplates(config)),
    deps: {
      secrets,
      fetch: globalThis.fetch,
      logger,
      signAws: createAwsRequestSigner({ credentials: sdkCredentialChain() }),
      awsEndpoint: createAwsEndpointResolver(),
      fetchTls: createTlsFetch(),
    },
    random: () => 1,
    now: () => clock.now,
    ...(maxHeldJobAgeMs === undefined ? {} : { maxHeldJobAgeMs }),
  });
  let lane = '';
  return {
    logger,
    async enqueue(job) {
      lane = laneOf(job);
      store.jobs.accept([[job]], { laneOf, now: clock.now, dedupWindowMs: 0 });
    },
    async crash(times) {
      const head = store.jobs.head(lane);
      for (let i = 0; i < times; i++) store.jobs.markStarted(head?.seq ?? 0);
    },
    step: () => runner.runOnce(lane),
    async close() {
      store.close();
    },
  };
}

async function awsRuntime({ config, secrets, clock, maxHeldJobAgeMs }: Setup): Promise<Runtime> {
  const logger = new CaptureLogger();
  const sqs = await startLocalSqs();
  const queues = await sqs.createQueues('parity', { maxReceiveCount: 1_000 });
  const delivery = await startDeliveryState(() => clock.now);
  const worker = createWorkerHandler({
    targets: buildTargets(config, compileTemplates(config)),
    sqs: sqs.bridge,
    queueUrl: queues.queueUrl,
    deadLetterQueueUrl: queues.dlqUrl,
    state: delivery.state,
    secrets,
    logger,
    random: () => 1,
    now: () => new Date(clock.now),
    ...(maxHeldJobAgeMs === undefined ? {} : { maxHeldJobAgeMs }),
  });
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  /** The message, received, whatever visibility the worker gave it: the clock says it is due. */
  const receive = async () => {
    for (let tries = 0; tries < 50; tries++) {
      const [message] = await sqs.receive(queues.queueUrl, 1);
      if (message) return message;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the job is not on the queue');
  };
  let handle: string | undefined;
  const release = async () => {
    if (handle) {
      await sqs.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queues.queueUrl,
          ReceiptHandle: handle,
          VisibilityTimeout: 0,
        }),
      );
    }
  };
  return {
    logger,
    enqueue: (job) => queue.enqueue([job]),
    async crash(times) {
      const message = await receive();
      handle = message.ReceiptHandle;
      const progress = { attempts: 0, started: 0, finished: 0, queuedAt: clock.now };
      for (let i = 0; i < times; i++) await delivery.state.markStarted(message.MessageId ?? '', progress);
    },
    async step() {
      await release();
      const message = await receive();
      handle = message.ReceiptHandle;
      const response = await worker(sqsEvent([message], queues.queueArn));
      if (response.batchItemFailures.length === 0) handle = undefined;
    },
    async close() {
      await delivery.close();
      await sqs.close();
    },
  };
}

const servers: DestinationServer[] = [];
const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe.each([
  ['local (SQLite store)', localRuntime],
  ['AWS (SQS + DynamoDB)', awsRuntime],
])('delivery decisions, %s', (_name, start) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_title, testCase) => {
    const api = await startDestination(testCase.behaviour);
    servers.push(api);
    const config = parseConfig({
      routes: [
        {
          id: 'runs',
          allowUnsigned: true,
          allowInsecureHttp: true,
          destinations: [
            {
              id: 'api',
              url: api.url,
              retry: { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 },
              ...testCase.destination,
            },
          ],
        },
      ],
    });
    const clock = { now: Date.now() };
    const runtime = await start({
      config,
      secrets: testCase.secrets ?? new RotatedSecretStore({ token: TOKEN }, {}),
      clock,
      ...(testCase.maxHeldJobAgeMs === undefined ? {} : { maxHeldJobAgeMs: testCase.maxHeldJobAgeMs }),
    });
    runtimes.push(runtime);
    const body = fixture('tfe-run-errored');
    const [job] = createJobs(
      'runs',
      [{ id: testCase.jobDestination ?? 'api', ordering: 'workspace' }],
      body,
      classifyPayload(JSON.parse(body)),
      testCase.receivedAt ? new Date(testCase.receivedAt) : new Date(clock.now),
    );
    if (!job) throw new Error('no job');
    await runtime.enqueue(job);
    if (testCase.crashes) await runtime.crash(testCase.crashes);

    const decided: string[] = [];
    for (const advance of testCase.steps) {
      clock.now += advance;
      const before = runtime.logger.entries.length;
      await runtime.step();
      decided.push(describeStep(runtime.logger.entries.slice(before)));
    }
    expect(decided).toEqual(testCase.expected);
  });
});
