// SqsJobQueue against the SQS emulator over real HTTP, through the receiver's own AWS client:
// batching, FIFO ids, and refusing to report success unless SQS stored every job.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chunkEntries, MAX_BATCH_BYTES, SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import type { DeliveryJob } from '../../lambda/core/contract';
import { QueueError } from '../../lambda/core/errors';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { CaptureLogger } from '../support/capture-logger';
import { fixture } from '../support/fixtures';
import { type FifoQueues, type LocalSqs, sendMessageBatchVia, startLocalSqs } from '../support/local-sqs';

let sqs: LocalSqs;
let queues: FifoQueues;

beforeEach(async () => {
  sqs = await startLocalSqs();
  queues = await sqs.createQueues('jobs');
});
afterEach(async () => {
  await sqs.close();
});

function jobs(count: number, body = fixture('tfe-run-completed-captured')): DeliveryJob[] {
  const ids = Array.from({ length: count }, (_, i) => `dest-${String(i).padStart(2, '0')}`);
  const notification = classifyPayload(JSON.parse(body) as Record<string, unknown>);
  return createJobs(
    'runs',
    ids.map((id) => ({ id, ordering: 'workspace' as const })),
    body,
    notification,
    new Date('2026-11-24T12:00:00Z'),
  );
}

function queueVia(endpoint: string, queueUrl = queues.queueUrl, logger = new CaptureLogger()) {
  return new SqsJobQueue({ sendMessageBatch: sendMessageBatchVia(endpoint), queueUrl, logger });
}

async function receiveAll(): Promise<Awaited<ReturnType<LocalSqs['receive']>>> {
  const all = [];
  for (;;) {
    const batch = await sqs.receive(queues.queueUrl);
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

describe('SqsJobQueue', () => {
  it('stores each job with its ordering group (route/destination/workspace), dedup id job.id and the job as body', async () => {
    const [job] = jobs(1);
    await queueVia(sqs.endpoint).enqueue(jobs(1));
    const [message, ...rest] = await receiveAll();
    expect(rest).toEqual([]);
    expect(message?.Attributes).toMatchObject({
      MessageGroupId: `runs/dest-00/${JSON.parse(fixture('tfe-run-completed-captured')).workspace_id}`,
      MessageDeduplicationId: job?.id,
    });
    expect(JSON.parse(message?.Body ?? '')).toEqual(job);
    // The body inside the job is the exact received text.
    expect((JSON.parse(message?.Body ?? '') as DeliveryJob).body).toBe(fixture('tfe-run-completed-captured'));
  });

  it('sends 23 jobs as batches of 10, 10 and 3, and all of them arrive', async () => {
    const all = jobs(23);
    await queueVia(sqs.endpoint).enqueue(all);
    expect(sqs.batches.map((b) => b.length)).toEqual([10, 10, 3]);
    const received = await receiveAll();
    expect(received.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(all.map((j) => j.group).sort());
  });

  it('splits batches by size too, so a large notification to many destinations stays under 1 MiB', () => {
    const entries = Array.from({ length: 10 }, () => ({ bytes: 300 * 1024 }));
    const chunks = chunkEntries(entries);
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3, 1]);
    for (const chunk of chunks) {
      expect(chunk.reduce((sum, e) => sum + e.bytes, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
  });

  it('drops a re-sent copy of the same job within the dedup window (replayed webhook)', async () => {
    const queue = queueVia(sqs.endpoint);
    await queue.enqueue(jobs(2));
    await queue.enqueue(jobs(2));
    expect(await receiveAll()).toHaveLength(2);
  });

  it('retries entries SendMessageBatch reports Failed once, and succeeds if the retry is stored', async () => {
    sqs.failEntry('job-1', 1);
    sqs.failEntry('job-3', 1);
    await queueVia(sqs.endpoint).enqueue(jobs(4));
    expect(sqs.batches).toEqual([
      ['job-0', 'job-1', 'job-2', 'job-3'],
      ['job-1', 'job-3'],
    ]);
    expect(await receiveAll()).toHaveLength(4);
  });

  it('throws a QueueError naming the destinations when an entry fails twice', async () => {
    sqs.failEntry('job-0', 2, 'KmsThrottled');
    const logger = new CaptureLogger();
    const error = await queueVia(sqs.endpoint, queues.queueUrl, logger)
      .enqueue(jobs(3))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueError);
    expect((error as Error).message).toBe('SQS rejected 1 of the jobs (runs/dest-00: KmsThrottled)');
    expect(logger.withMessage('SQS did not accept every job')).toEqual([
      expect.objectContaining({
        level: 'error',
        failed: [expect.objectContaining({ route: 'runs', destination: 'dest-00', code: 'KmsThrottled' })],
      }),
    ]);
    // The payload never reaches the logs.
    expect(logger.text()).not.toContain('run_created_at');
  });

  it('throws when SendMessageBatch itself fails (queue does not exist)', async () => {
    const missing = queues.queueUrl.replace('jobs.fifo', 'missing.fifo');
    await expect(queueVia(sqs.endpoint, missing).enqueue(jobs(1))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
  });

  it('stores a payload holding U+FFFF, which SQS would refuse raw, and gives it back unchanged', async () => {
    const body = JSON.stringify({ payload_version: 1, notifications: [{ message: 'odd \uFFFF char' }] });
    const [job] = jobs(1, body);
    await queueVia(sqs.endpoint).enqueue(jobs(1, body));
    const [message] = await receiveAll();
    expect(message?.Body).not.toContain('\uFFFF');
    expect((JSON.parse(message?.Body ?? '') as DeliveryJob).body).toBe(job?.body);
  });
});
