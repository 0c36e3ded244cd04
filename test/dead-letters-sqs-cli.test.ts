// `tfe-bridge dead-letters list|replay --dlq-url` with the real binary against the SQS emulator,
// on dead letters the real worker wrote (receiver handler → jobs queue → worker → DLQ).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../lambda/core/config/parse';
import { jobIdFor } from '../lambda/core/receive/jobs';
import type { WorkerHandler } from '../lambda/worker';
import { receiverFor, workerFor } from './support/aws-handlers';
import { CaptureLogger } from './support/capture-logger';
import { runCli } from './support/cli-process';
import { type Behaviour, type DestinationServer, startDestination } from './support/destination-server';
import { fixture } from './support/fixtures';
import { startDeliveryState } from './support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  REGION,
  signedFunctionUrlEvent,
  startLocalSqs,
} from './support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from './support/secrets-manager-server';

const HMAC = 'dlq-cli-signing-token';
const TOKEN = 'dlq-cli-bearer-token-0123456789';

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let api: DestinationServer;
/** What the destination answers; tests switch it from failing to healthy. */
let behaviour: Behaviour;
let worker: WorkerHandler;

const BODIES = {
  errored: fixture('tfe-run-errored'),
  planned: fixture('tfe-run-planned'),
  completed: fixture('tfe-run-completed-captured'),
};

let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
beforeEach(async () => {
  delivery = await startDeliveryState();
  behaviour = () => ({ status: 503 });
  [sqs, sm, api] = await Promise.all([
    startLocalSqs(),
    startSecretsManager(),
    startDestination((request, n) => behaviour(request, n)),
  ]);
  queues = await sqs.createQueues('dlq-cli');
  sm.setSecret('hmac', HMAC);
  sm.setSecret('token', TOKEN);
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        allowInsecureHttp: true,
        destinations: ['a', 'b'].map((id) => ({
          id,
          url: `${api.url}/${id}`,
          auth: { type: 'bearer', secret: { secretId: 'token' } },
          // One try: the first 503 dead-letters the job (reason exhausted).
          retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
          // The fixtures come from different workspaces; one group per destination here.
          ordering: 'destination',
        })),
      },
    ],
  });
  const logger = new CaptureLogger();
  const receiver = receiverFor({ config, sqs, queues, sm, logger });
  worker = workerFor({ config, sqs, queues, sm, logger, state: delivery.state });
  // Three notifications, two destinations each: six jobs, all dead-lettered by the worker.
  for (const body of Object.values(BODIES)) {
    const response = await receiver(signedFunctionUrlEvent('/hooks/runs', body, HMAC));
    expect(response).toMatchObject({ statusCode: 202 });
  }
  await drain();
  expect(api.received).toHaveLength(6);
  api.received.length = 0;
});
afterEach(async () => {
  await delivery.close();
  await Promise.all([api.close(), sm.close()]);
  await sqs.close();
});

/** Runs the worker until the jobs queue is empty, like the event source would. */
async function drain(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { event } = await pollOnce(sqs, queues, worker);
    if (event.Records.length === 0) return;
  }
  throw new Error('the jobs queue did not drain');
}

const AWS_ENV = () => ({
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_SQS: sqs.endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('tfe-bridge dead-letters with --dlq-url (AWS)', () => {
  it('lists every dead letter with the reason and error the worker recorded, and leaves them queued', async () => {
    const result = await runCli(['dead-letters', 'list', '--dlq-url', queues.dlqUrl], AWS_ENV());
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('listed 6 dead letters\n');
    const letters = lines(result.stdout);
    expect(letters).toHaveLength(6);
    for (const letter of letters) {
      expect(letter).toMatchObject({
        reason: 'exhausted',
        routeId: 'runs',
        attempts: 1,
        lastStatus: 503,
        lastError: expect.stringContaining('503'),
        kind: 'run',
      });
      // The Idempotency-Key the deliveries carried, for correlating with the destination's logs.
      expect(letter.idempotencyKey).toBe(letter.jobId);
    }
    const toA = letters.filter((l) => l.destinationId === 'a');
    expect(toA.map((l) => l.payload)).toEqual([BODIES.errored, BODIES.planned, BODIES.completed]);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain(HMAC);

    // Listing hid nothing: a second list (at once) sees them all, filtered this time.
    const filtered = await runCli(
      ['dead-letters', 'list', '--dlq-url', queues.dlqUrl, '--destination', 'runs/b'],
      AWS_ENV(),
    );
    expect(lines(filtered.stdout).map((l) => l.destinationId)).toEqual(['b', 'b', 'b']);
  });

  it('takes the region from the queue URL when AWS_REGION is not set, and asks for one when no URL names it', async () => {
    const { AWS_REGION: _, ...noRegion } = AWS_ENV();
    // The URL a stack prints; AWS_ENDPOINT_URL_SQS still sends the requests to the emulator.
    const awsUrl = `https://sqs.${REGION}.amazonaws.com${new URL(queues.dlqUrl).pathname}`;
    const result = await runCli(['dead-letters', 'list', '--dlq-url', awsUrl], noRegion);
    expect(result.stderr).toBe('listed 6 dead letters\n');
    expect(result.code).toBe(0);

    const local = await runCli(['dead-letters', 'list', '--dlq-url', queues.dlqUrl], noRegion);
    expect(local.stderr).toBe(
      `tfe-bridge: the queue URL ${queues.dlqUrl} names no AWS region: set AWS_REGION (or AWS_PROFILE with a region)\n`,
    );
    expect(local.code).toBe(2);
  });

  it('replays one destination back to the jobs queue in order, with a fresh dedup id, and the worker delivers', async () => {
    behaviour = () => ({ status: 200 });
    const result = await runCli(
      [
        'dead-letters',
        'replay',
        '--dlq-url',
        queues.dlqUrl,
        '--queue-url',
        queues.queueUrl,
        '--destination',
        'runs/a',
      ],
      AWS_ENV(),
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'replayed 3 to the jobs queue (the worker delivers them); left in the dead-letter queue: 3 not selected, 0 failed to send, 0 held behind a failed one, 0 not delivery jobs\n',
    );
    expect(result.code).toBe(0);

    // Back in the jobs queue, in the destination's group, under a dedup id SQS has not seen:
    // the job's own id would be dropped by SQS for 5 minutes after the original send.
    const queued = await sqs.receive(queues.queueUrl);
    expect(queued.map((m) => m.Attributes?.MessageGroupId)).toEqual(['runs/a', 'runs/a', 'runs/a']);
    for (const message of queued) {
      const job = JSON.parse(message.Body ?? '');
      expect(message.Attributes?.MessageDeduplicationId).not.toBe(job.id);
      expect(message.Attributes?.MessageDeduplicationId).toMatch(new RegExp(`^${job.id}:replay:`));
    }
    await sqs.client.send(
      new (await import('@aws-sdk/client-sqs')).ChangeMessageVisibilityBatchCommand({
        QueueUrl: queues.queueUrl,
        Entries: queued.map((m, i) => ({
          Id: `m${i}`,
          ReceiptHandle: m.ReceiptHandle ?? '',
          VisibilityTimeout: 0,
        })),
      }),
    );
    await drain();
    expect(api.received.map((r) => [r.path, r.body])).toEqual([
      ['/a', BODIES.errored],
      ['/a', BODIES.planned],
      ['/a', BODIES.completed],
    ]);
    expect(api.received[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    // The other destination's letters are still in the DLQ.
    const left = await runCli(['dead-letters', 'list', '--dlq-url', queues.dlqUrl], AWS_ENV());
    expect(lines(left.stdout).map((l) => l.destinationId)).toEqual(['b', 'b', 'b']);
  });

  it('replays one job by id', async () => {
    const jobId = jobIdFor('runs', 'b', BODIES.planned);
    const result = await runCli(
      ['dead-letters', 'replay', '--dlq-url', queues.dlqUrl, '--queue-url', queues.queueUrl, '--job', jobId],
      AWS_ENV(),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('replayed 1 to the jobs queue');
    const queued = await sqs.receive(queues.queueUrl);
    expect(queued.map((m) => JSON.parse(m.Body ?? '').id)).toEqual([jobId]);
  });

  it('keeps a letter in the DLQ when it cannot be sent back, and exits 1', async () => {
    const missing = `${queues.queueUrl.replace(/dlq-cli\.fifo$/, '')}no-such-queue.fifo`;
    const result = await runCli(
      [
        'dead-letters',
        'replay',
        '--dlq-url',
        queues.dlqUrl,
        '--queue-url',
        missing,
        '--destination',
        'runs/a',
      ],
      AWS_ENV(),
    );
    expect(result.code).toBe(1);
    // The first letter of the group fails; the two behind it wait, to keep the group's order.
    expect(result.stdout).toContain('replayed 0 to the jobs queue');
    expect(result.stdout).toContain(
      '3 not selected, 1 failed to send, 2 held behind a failed one, 0 not delivery jobs',
    );
    expect(result.stderr).toMatch(/could not send .* back to the jobs queue: \w+/);
    const left = await runCli(['dead-letters', 'list', '--dlq-url', queues.dlqUrl], AWS_ENV());
    expect(lines(left.stdout)).toHaveLength(6);
  });

  it.each([
    [
      ['replay', '--dlq-url', 'https://sqs.example/q.fifo'],
      'replay from the dead-letter queue needs --queue-url URL',
    ],
    [
      ['list', '--dlq-url', 'https://sqs.example/q.fifo', '--file', 'x.jsonl'],
      '--file is for the local store; with --dlq-url the deployed worker delivers',
    ],
    [
      [
        'replay',
        '--dlq-url',
        'https://sqs.example/q.fifo',
        '--queue-url',
        'https://sqs.example/j.fifo',
        '--config',
        'c.yaml',
      ],
      '--config is for the local store; with --dlq-url the deployed worker delivers',
    ],
    [['list', '--dlq-url', 'not a url'], '--dlq-url must be a queue URL'],
    [['list', '--queue-url', 'https://sqs.example/j.fifo'], '--queue-url needs --dlq-url'],
  ])('exits 2 on a usage error: %j', async (args, message) => {
    const result = await runCli(['dead-letters', ...args], AWS_ENV());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
