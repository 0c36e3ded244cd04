// The receiver Lambda handler with real-shaped Function URL events, Secrets Manager (fake, real
// protocol) for the signing secret and the SQS emulator for jobs, all over real HTTP through the
// receiver's own AWS client (no SDK on the receiver).
import type { LambdaFunctionURLResult } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/core/config/parse';
import type { DeliveryJob } from '../../lambda/core/contract';
import { jobIdFor } from '../../lambda/core/receive/jobs';
import { HCP_SIGNATURE_HEADER, signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import type { ReceiverHandler } from '../../lambda/receiver';
import { receiverFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { fixture } from '../support/fixtures';
import {
  type FifoQueues,
  functionUrlEvent,
  type LocalSqs,
  signedFunctionUrlEvent,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const HMAC = 'receiver-signing-token-0001';

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let logger: CaptureLogger;

const config = parseConfig({
  routes: [
    {
      id: 'runs',
      signingSecret: { secretId: 'tfe-bridge/hmac' },
      destinations: [
        { id: 'errors', url: 'https://errors.example', filter: { triggers: ['run:errored'] } },
        { id: 'everything', url: 'https://everything.example' },
      ],
    },
    {
      id: 'no-secret',
      signingSecret: { secretId: 'tfe-bridge/never-created' },
      destinations: [{ id: 'x', url: 'https://x.example' }],
    },
  ],
});

beforeEach(async () => {
  [sqs, sm] = await Promise.all([startLocalSqs(), startSecretsManager()]);
  queues = await sqs.createQueues('jobs');
  sm.setSecret('tfe-bridge/hmac', HMAC);
  logger = new CaptureLogger();
});
afterEach(async () => {
  await sm.close();
  await sqs.close();
});

function receiver(options: { queueUrl?: string } = {}): ReceiverHandler {
  return receiverFor({
    config,
    sqs,
    queues,
    sm,
    logger,
    queueUrl: options.queueUrl,
    now: () => new Date('2026-11-24T12:00:00Z'),
  });
}

function signed(body: string, options: { base64?: boolean; secret?: string; header?: string } = {}) {
  return functionUrlEvent({
    path: '/hooks/runs',
    body,
    ...(options.base64 ? { base64: true } : {}),
    headers: {
      'content-type': 'application/json',
      [options.header ?? TFE_SIGNATURE_HEADER]: signBody(body, options.secret ?? HMAC),
    },
  });
}

type StructuredResult = Exclude<LambdaFunctionURLResult, string>;

function parseResult(result: LambdaFunctionURLResult): StructuredResult & { json: unknown } {
  if (typeof result === 'string') throw new Error('expected a structured result');
  return { ...result, json: JSON.parse(result.body ?? 'null') };
}

async function queuedJobs(): Promise<Array<{ job: DeliveryJob; groupId?: string; dedupId?: string }>> {
  const out = [];
  for (;;) {
    const batch = await sqs.receive(queues.queueUrl);
    if (batch.length === 0) return out;
    for (const message of batch) {
      out.push({
        job: JSON.parse(message.Body ?? '') as DeliveryJob,
        ...(message.Attributes?.MessageGroupId ? { groupId: message.Attributes.MessageGroupId } : {}),
        ...(message.Attributes?.MessageDeduplicationId
          ? { dedupId: message.Attributes.MessageDeduplicationId }
          : {}),
      });
    }
  }
}

/** The run fixture with non-ASCII text, so a byte-level mistake would break the signature. */
const unicodeRun = (): string => {
  const run = JSON.parse(fixture('tfe-run-errored')) as Record<string, unknown>;
  return JSON.stringify({ ...run, run_message: 'Déploiement échoué ✗ — 日本語 🚀' }, null, 2);
};

describe('receiver Lambda handler (Function URL events)', () => {
  it('answers 202 to a signed plain-text body and stores one job per matching destination', async () => {
    const body = fixture('tfe-run-errored');
    const result = parseResult(await receiver()(signed(body)));
    expect(result.statusCode).toBe(202);
    expect(result.json).toEqual({ accepted: ['errors', 'everything'] });
    expect(result.headers?.['content-type']).toMatch(/^application\/json/);

    const stored = await queuedJobs();
    // Ordered per workspace by default: the group is route/destination/workspace id.
    const workspace = JSON.parse(body).workspace_id as string;
    expect(stored.map((s) => s.groupId).sort()).toEqual([
      `runs/errors/${workspace}`,
      `runs/everything/${workspace}`,
    ]);
    for (const { job, groupId, dedupId } of stored) {
      expect(groupId).toBe(`runs/${job.destinationId}/${workspace}`);
      expect(dedupId).toBe(jobIdFor('runs', job.destinationId, body));
      expect(job).toMatchObject({ routeId: 'runs', body, kind: 'run', triggers: ['run:errored'] });
      expect(job.receivedAt).toBe('2026-11-24T12:00:00.000Z');
    }
  });

  it('verifies the HMAC on the decoded bytes of a base64 body (non-ASCII payload)', async () => {
    const body = unicodeRun();
    const event = signed(body, { base64: true });
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).not.toContain('Déploiement');
    const result = parseResult(await receiver()(event));
    expect(result.statusCode).toBe(202);
    const stored = await queuedJobs();
    expect(stored).toHaveLength(2);
    // Exactly the bytes HashiCorp sent, decoded once.
    expect(stored.map((s) => s.job.body)).toEqual([body, body]);
  });

  it('accepts the same non-ASCII payload as a plain (not base64) body too', async () => {
    const body = unicodeRun();
    const result = parseResult(await receiver()(signed(body)));
    expect(result.statusCode).toBe(202);
    expect((await queuedJobs()).map((s) => s.job.body)).toEqual([body, body]);
  });

  it('rejects a signature computed over the base64 text instead of the payload bytes', async () => {
    const body = fixture('tfe-run-errored');
    const event = functionUrlEvent({
      path: '/hooks/runs',
      body,
      base64: true,
      headers: {
        'content-type': 'application/json',
        [TFE_SIGNATURE_HEADER]: signBody(Buffer.from(body).toString('base64'), HMAC),
      },
    });
    expect(parseResult(await receiver()(event)).statusCode).toBe(401);
    expect(await queuedJobs()).toEqual([]);
  });

  it('answers a verification request with 200 and enqueues nothing', async () => {
    const body = fixture('hcp-verification');
    const result = parseResult(await receiver()(signed(body, { header: HCP_SIGNATURE_HEADER })));
    expect(result.statusCode).toBe(200);
    expect(result.json).toEqual({ status: 'verified' });
    expect(await queuedJobs()).toEqual([]);
  });

  it('answers 401 to a bad signature and enqueues nothing', async () => {
    const body = fixture('tfe-run-errored');
    const result = parseResult(await receiver()(signed(body, { secret: 'not-the-route-secret' })));
    expect(result.statusCode).toBe(401);
    expect(result.json).toMatchObject({ error: 'invalid_signature' });
    expect(await queuedJobs()).toEqual([]);
  });

  it('reads the signing secret once (AWSCURRENT and AWSPREVIOUS) and serves later requests from the cache', async () => {
    const handler = receiver();
    for (const name of ['tfe-run-errored', 'tfe-run-planned', 'tfe-run-completed-captured']) {
      expect(parseResult(await handler(signed(fixture(name)))).statusCode).toBe(202);
    }
    expect(sm.log.map((r) => r.versionStage ?? 'AWSCURRENT').sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('answers 503 when the signing secret is not in Secrets Manager', async () => {
    const body = fixture('tfe-run-errored');
    const event = signedFunctionUrlEvent('/hooks/no-secret', body, HMAC);
    const result = parseResult(await receiver()(event));
    expect(result.statusCode).toBe(503);
    expect(result.json).toEqual({
      error: 'secret_unavailable',
      message: 'signing secret unavailable, try again later',
    });
    expect(logger.withMessage('secret unavailable')).toEqual([
      expect.objectContaining({ secretId: 'tfe-bridge/never-created' }),
    ]);
  });

  it('answers 503 when SQS refuses the batch (queue does not exist)', async () => {
    const missing = queues.queueUrl.replace('jobs.fifo', 'gone.fifo');
    const result = parseResult(await receiver({ queueUrl: missing })(signed(fixture('tfe-run-errored'))));
    expect(result.statusCode).toBe(503);
    expect(result.json).toMatchObject({ error: 'queue_unavailable' });
  });

  it('answers 503 when SendMessageBatch reports a Failed entry twice', async () => {
    sqs.failEntry('job-1', 2);
    const result = parseResult(await receiver()(signed(fixture('tfe-run-errored'))));
    expect(result.statusCode).toBe(503);
    expect(result.json).toMatchObject({ error: 'queue_unavailable' });
    expect(logger.withMessage('SQS did not accept every job')).toHaveLength(1);
  });

  it('answers 202 when a Failed entry is stored on the one retry', async () => {
    sqs.failEntry('job-1', 1);
    const result = parseResult(await receiver()(signed(fixture('tfe-run-errored'))));
    expect(result.statusCode).toBe(202);
    expect(await queuedJobs()).toHaveLength(2);
  });

  /** The run fixture with `run_message` set to `text`: a body of about the size we want. */
  const runWithMessage = (text: string): string =>
    JSON.stringify({ ...(JSON.parse(fixture('tfe-run-errored')) as object), run_message: text });

  it('stores a notification of 900 kB: under the body limit and the SQS message limit', async () => {
    const body = runWithMessage('a'.repeat(900_000));
    const result = parseResult(await receiver()(signed(body)));
    expect(result.statusCode).toBe(202);
    expect((await queuedJobs()).map(({ job }) => job.body === body)).toEqual([true, true]);
  });

  it('answers 413, not a 503 to retry forever, when the body fits but its job exceeds the SQS message limit', async () => {
    // 300,000 quotes: an 0.6 MB body, whose job escapes each one again (\\\" -> 4 bytes).
    const body = runWithMessage('"'.repeat(300_000));
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
    const result = parseResult(await receiver()(signed(body)));
    expect(result.statusCode).toBe(413);
    expect(result.json).toEqual({
      error: 'payload_too_large',
      message: expect.stringMatching(
        /^the notification is \d+ bytes as a queue message, over the 1040384-byte limit$/,
      ),
    });
    expect(await queuedJobs()).toEqual([]);
    expect(logger.withMessage('request')).toEqual([
      expect.objectContaining({ status: 413, result: 'too_large' }),
    ]);
  });

  it('answers 404 for an unknown route and 415 for a non-JSON content type', async () => {
    const handler = receiver();
    const body = fixture('tfe-run-errored');
    const unknown = functionUrlEvent({
      path: '/hooks/nope',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(parseResult(await handler(unknown)).statusCode).toBe(404);
    const textPlain = functionUrlEvent({
      path: '/hooks/runs',
      body,
      headers: { 'content-type': 'text/plain', [TFE_SIGNATURE_HEADER]: signBody(body, HMAC) },
    });
    expect(parseResult(await handler(textPlain)).statusCode).toBe(415);
    expect(await queuedJobs()).toEqual([]);
  });

  it('never logs the signing secret', async () => {
    await receiver()(signed(fixture('tfe-run-errored')));
    await receiver()(signed(fixture('tfe-run-errored'), { secret: 'wrong-secret-value' }));
    expect(logger.entries.length).toBeGreaterThan(0);
    expect(logger.text()).not.toContain(HMAC);
  });
});
