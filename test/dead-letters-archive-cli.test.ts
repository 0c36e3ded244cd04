// The dead-letter archive: the real worker writes each dead letter to the archive table (dynalite)
// before the DLQ (the SQS emulator); once SQS has deleted them, `tfe-bridge dead-letters
// list|replay --archive` (the real binary) still lists and replays them.
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbDeadLetterArchive } from '../lambda/adapters/aws/dead-letter-archive';
import { parseConfig } from '../lambda/core/config/parse';
import { signBody, TFE_SIGNATURE_HEADER } from '../lambda/core/receive/signature';
import type { WorkerHandler } from '../lambda/worker';
import { receiverFor, workerFor } from './support/aws-handlers';
import { CaptureLogger } from './support/capture-logger';
import { runCli } from './support/cli-process';
import { type Behaviour, type DestinationServer, startDestination } from './support/destination-server';
import { fixture } from './support/fixtures';
import { startDeliveryState } from './support/local-dynamodb';
import {
  type FifoQueues,
  functionUrlEvent,
  type LocalSqs,
  pollOnce,
  REGION,
  startLocalSqs,
} from './support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from './support/secrets-manager-server';

const HMAC = 'archive-cli-signing-token';
const TOKEN = 'archive-cli-bearer-token-0123456789';
const ARCHIVE = 'dead-letter-archive';
const BODIES = [
  fixture('tfe-run-errored'),
  fixture('tfe-run-planned'),
  fixture('tfe-run-completed-captured'),
];

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let api: DestinationServer;
let behaviour: Behaviour;
let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
let logger: CaptureLogger;

const config = (url: string) =>
  parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        allowInsecureHttp: true,
        destinations: ['a', 'b'].map((id) => ({
          id,
          url: `${url}/${id}`,
          auth: { type: 'bearer', secret: { secretId: 'token' } },
          // One try: the first 503 dead-letters the job.
          retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
          ordering: 'destination',
        })),
      },
    ],
  });

function workerWithArchive(table: string): WorkerHandler {
  return workerFor({
    config: config(api.url),
    sqs,
    queues,
    sm,
    logger,
    state: delivery.state,
    deadLetterArchive: new DynamoDbDeadLetterArchive(delivery.dynamo.client, table, 30),
  });
}

async function receiveAll(): Promise<void> {
  const receiver = receiverFor({ config: config(api.url), sqs, queues, sm, logger });
  for (const body of BODIES) {
    const response = await receiver(
      functionUrlEvent({
        path: '/hooks/runs',
        body,
        headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, HMAC) },
      }),
    );
    expect(response).toMatchObject({ statusCode: 202 });
  }
}

/** Runs the worker until the jobs queue is empty, like the event source would. */
async function drain(worker: WorkerHandler): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < 50; i++) {
    const result = await pollOnce(sqs, queues, worker);
    if (result.event.Records.length === 0) return failed;
    failed.push(...result.failed);
  }
  return failed;
}

beforeEach(async () => {
  delivery = await startDeliveryState();
  await delivery.dynamo.createArchiveTable(ARCHIVE);
  behaviour = () => ({ status: 503 });
  logger = new CaptureLogger();
  [sqs, sm, api] = await Promise.all([
    startLocalSqs(),
    startSecretsManager(),
    startDestination((request, n) => behaviour(request, n)),
  ]);
  queues = await sqs.createQueues('archive-cli');
  sm.setSecret('hmac', HMAC);
  sm.setSecret('token', TOKEN);
});
afterEach(async () => {
  await delivery.close();
  await Promise.all([api.close(), sm.close()]);
  await sqs.close();
});

const AWS_ENV = () => ({
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_SQS: sqs.endpoint,
  AWS_ENDPOINT_URL_DYNAMODB: delivery.dynamo.endpoint,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the dead-letter archive (AWS)', () => {
  it('keeps every dead letter after SQS deleted it: list shows them, replay sends them back once', async () => {
    await receiveAll();
    expect(await drain(workerWithArchive(ARCHIVE))).toEqual([]);
    // What SQS does at 14 days: the DLQ is empty.
    let deleted = 0;
    for (
      let batch = await sqs.receive(queues.dlqUrl);
      batch.length > 0;
      batch = await sqs.receive(queues.dlqUrl)
    ) {
      for (const message of batch) {
        await sqs.client.send(
          new DeleteMessageCommand({ QueueUrl: queues.dlqUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        deleted++;
      }
    }
    expect(deleted).toBe(6);

    const listed = await runCli(['dead-letters', 'list', '--archive', ARCHIVE], AWS_ENV());
    expect(listed.stderr).toBe('listed 6 archived dead letters of 6\n');
    expect(listed.code).toBe(0);
    const letters = lines(listed.stdout);
    for (const letter of letters) {
      expect(letter).toMatchObject({ reason: 'exhausted', routeId: 'runs', attempts: 1, lastStatus: 503 });
      expect(letter.replayedAt).toBeNull();
    }
    expect(letters.filter((l) => l.destinationId === 'a').map((l) => l.payload)).toEqual(BODIES);
    expect(listed.stdout).not.toContain(TOKEN);

    behaviour = () => ({ status: 200 });
    api.received.length = 0;
    const replay = ['dead-letters', 'replay', '--archive', ARCHIVE, '--queue-url', queues.queueUrl];
    const replayed = await runCli([...replay, '--destination', 'runs/a'], AWS_ENV());
    expect(replayed.stdout).toBe(
      'replayed 3 from the archive to the jobs queue (the worker delivers them); skipped: 0 replayed before (select one with --job to send it again), 0 not delivery jobs; 0 failed to send\n',
    );
    expect(replayed.code).toBe(0);
    expect(await drain(workerWithArchive(ARCHIVE))).toEqual([]);
    // Delivered in the destination's order, with the token the config names.
    expect(api.received.map((r) => [r.path, r.body])).toEqual(BODIES.map((body) => ['/a', body]));

    // A second replay sends nothing again; the letters stay in the archive, marked.
    const again = await runCli([...replay, '--destination', 'runs/a'], AWS_ENV());
    expect(again.stdout).toMatch(/^replayed 0 from the archive .* 3 replayed before/);
    const after = lines((await runCli(['dead-letters', 'list', '--archive', ARCHIVE], AWS_ENV())).stdout);
    expect(after.filter((l) => l.replayedAt !== null).map((l) => l.destinationId)).toEqual(['a', 'a', 'a']);
  });

  it('leaves the job on its queue when the archive cannot be written: no letter reaches the DLQ without its copy', async () => {
    await receiveAll();
    const failed = await pollOnce(sqs, queues, workerWithArchive('no-such-table'));
    expect(failed.failed).toHaveLength(failed.event.Records.length);
    expect(failed.event.Records.length).toBeGreaterThan(0);
    expect(await sqs.receive(queues.dlqUrl)).toEqual([]);
    expect(logger.withMessage('dead letter could not be sent, the message stays on the queue')).not.toEqual(
      [],
    );
  });

  it('refuses unusable options with exit 2 and a reason', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [
        ['dead-letters', 'replay', '--archive', ARCHIVE],
        AWS_ENV(),
        'replay from the archive needs --queue-url URL (stack output QueueUrl)',
      ],
      [
        ['dead-letters', 'list', '--archive', ARCHIVE, '--dlq-url', 'https://sqs.example/q'],
        AWS_ENV(),
        '--dlq-url cannot be used with --archive',
      ],
      [['dead-letters', 'list', '--archive', 'x'], AWS_ENV(), '--archive must be a DynamoDB table name'],
      [['dead-letters', 'list', '--archive', ARCHIVE], {}, "--archive needs the stack's region"],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCli(args, env);
      expect(result.stderr).toContain(message);
      expect(result.code).toBe(2);
    }
  });
});
