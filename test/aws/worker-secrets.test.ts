// The worker Lambda handler (SQS events from the emulator, Secrets Manager fake, real HTTP
// destinations) against the secret and answer-size holes of the outside probe: a huge error body
// is read only at its start, an echoed token never reaches the DLQ's `lastError` attribute, and a
// secret that cannot be used is a permanent failure on the first attempt, not an outage.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { parseConfig } from '../../lambda/core/config/parse';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { type Behaviour, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  sendMessageBatchVia,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';
import { startStreamingDestination } from '../support/streaming-destination';

const TOKEN = 'tok_9f8e7d6c5b4a3928170615243342516071829';
/** Spelled out so this file also runs against code without lambda/core/redaction.ts. */
const SECRET_PIECE_CHARS = 12;
const MAX_ERROR_CHARS = 300;

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

/** Enqueues `count` notifications for one destination and returns a poll of the worker. */
async function setup(destination: Record<string, unknown>, count = 1) {
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'tfe-bridge/hmac' },
        allowInsecureHttp: true,
        destinations: [
          { id: 'api', retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, ...destination },
        ],
      },
    ],
  });
  const handler = workerFor({ config, sqs, queues, sm, logger, state: delivery.state, random: () => 1 });
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  const run = JSON.parse(fixture('tfe-run-errored')) as Record<string, unknown>;
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({ ...run, run_message: `notification ${i}` });
    await queue.enqueue(
      createJobs(
        'runs',
        [{ id: 'api', ordering: 'workspace' }],
        body,
        classifyPayload(JSON.parse(body)),
        new Date(),
      ),
    );
  }
  return () => pollOnce(sqs, queues, handler);
}

async function deadLetterAttributes(): Promise<Array<Record<string, string | undefined>>> {
  return (await sqs.receive(queues.dlqUrl)).map((message) =>
    Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    ),
  );
}

describe('worker: secrets and answer sizes', () => {
  it('dead-letters a job whose secret does not fit its reference as permanent, at once, without an outage', async () => {
    const api = await startDestination();
    open.push(api);
    const poll = await setup(
      {
        url: api.url,
        auth: { type: 'bearer', secret: { secretId: 'tfe-bridge/token', jsonKey: 'token' } },
        circuitBreaker: { failures: 2, coolDownMs: 60_000 },
      },
      3,
    );
    const { failed } = await poll();
    expect(failed).toEqual([]);
    const letters = await deadLetterAttributes();
    expect(letters).toHaveLength(3);
    for (const letter of letters) {
      expect(letter).toMatchObject({ reason: 'permanent', attempts: '1' });
      expect(letter.lastStatus).toBeUndefined();
      expect(letter.lastError).toMatch(/^secret "tfe-bridge\/token" is not JSON, so jsonKey cannot be read/);
    }
    expect(api.received).toEqual([]);
    expect(logger.withMessage('circuit opened')).toEqual([]);
  });

  it('reads only the start of a huge error body, and keeps lastError short', async () => {
    const api = await startStreamingDestination(500, 128 * 1024 * 1024, 'upstream exploded: ');
    open.push(api);
    const poll = await setup({ url: api.url, timeoutMs: 120_000, retry: { maxAttempts: 1 } });
    await poll();
    expect(await api.settled()).toBe(true);
    expect(api.written).toBeLessThan(32 * 1024 * 1024);
    const [letter] = await deadLetterAttributes();
    expect(letter).toMatchObject({ reason: 'exhausted', lastStatus: '500' });
    expect(letter?.lastError).toMatch(/^HTTP 500: upstream exploded: x+…$/);
    expect(letter?.lastError?.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
  }, 90_000);

  it('never puts a piece of an echoed token into lastError, wherever the cut falls', async () => {
    const echo: Behaviour = (request) => ({
      status: 400,
      body: `${'p'.repeat(159)}${request.headers.authorization}${'q'.repeat(2_000)}`,
    });
    const api = await startDestination(echo);
    open.push(api);
    const poll = await setup({
      url: api.url,
      auth: { type: 'bearer', secret: { secretId: 'tfe-bridge/token' } },
    });
    await poll();
    const [letter] = await deadLetterAttributes();
    expect(letter).toMatchObject({ reason: 'permanent', lastStatus: '400' });
    const written = `${letter?.lastError}\n${logger.text()}`;
    for (let i = 0; i + SECRET_PIECE_CHARS <= TOKEN.length; i++) {
      expect(written).not.toContain(TOKEN.slice(i, i + SECRET_PIECE_CHARS));
    }
  });
});
