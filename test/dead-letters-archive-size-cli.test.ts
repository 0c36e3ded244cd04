// Large jobs and the dead-letter archive (DynamoDB items stop at 400 KB): a ~250 KB webhook that
// is dead-lettered reaches the archive with its payload once and the DLQ with its real reason; a
// ~600 KB one is archived without its job, and `replay --archive` refuses it, sending the rest.
import { createHash } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemBytes } from '../lambda/adapters/aws/dead-letter-archive-item';
import {
  ARCHIVE,
  awsEnv,
  drain,
  lines,
  receiveAll,
  useArchiveStack,
  workerWithArchive,
} from './support/archive-stack';
import { runCli } from './support/cli-process';
import { fixture } from './support/fixtures';

const stack = useArchiveStack();

/** A real run notification whose run message makes it about `kb` KB, with characters that grow
 *  in JSON and UTF-8 (quotes, newlines, accents). */
function largeNotification(kb: number): string {
  const line = 'Réécrit les "workers" de la file\n';
  const notification = JSON.parse(fixture('tfe-run-errored')) as Record<string, unknown>;
  notification.run_message = line.repeat(Math.ceil((kb * 1024) / Buffer.byteLength(line)));
  return JSON.stringify(notification, null, 2);
}

/** Every DLQ message, with its `reason` attribute (left on the queue: received once). */
async function deadLetterQueue() {
  const messages = await stack.sqs.receive(stack.queues.dlqUrl);
  return messages.map((m) => ({ body: m.Body ?? '', reason: m.MessageAttributes?.reason?.StringValue }));
}

describe('large jobs in the dead-letter archive (AWS)', () => {
  it('archives a 250 KB job with its payload once and sends it to the DLQ with its real reason', async () => {
    const large = largeNotification(250);
    await receiveAll(stack, [large]);
    expect(await drain(stack, workerWithArchive(stack, ARCHIVE))).toEqual([]);

    const dlq = await deadLetterQueue();
    expect(dlq.map((m) => m.reason)).toEqual(['exhausted', 'exhausted']);
    expect(dlq.map((m) => (JSON.parse(m.body) as { body: string }).body)).toEqual([large, large]);

    // Each item holds the job once; the letter beside it is a few hundred bytes, not a copy.
    const { Items = [] } = await stack.delivery.dynamo.client.send(new ScanCommand({ TableName: ARCHIVE }));
    expect(Items).toHaveLength(2);
    for (const item of Items) {
      expect(dlq.map((m) => m.body)).toContain(item.body?.S);
      expect(itemBytes(item) - Buffer.byteLength(item.body?.S ?? '')).toBeLessThan(2048);
    }

    const listed = await runCli(['dead-letters', 'list', '--archive', ARCHIVE], awsEnv(stack));
    expect(listed.stderr).toBe('listed 2 archived dead letters of 2\n');
    const letters = lines(listed.stdout);
    expect(letters.map((l) => [l.destinationId, l.reason, l.payload])).toEqual([
      ['a', 'exhausted', large],
      ['b', 'exhausted', large],
    ]);

    stack.behaviour = () => ({ status: 200 });
    stack.api.received.length = 0;
    const replay = ['dead-letters', 'replay', '--archive', ARCHIVE, '--queue-url', stack.queues.queueUrl];
    const replayed = await runCli([...replay, '--destination', 'runs/a'], awsEnv(stack));
    expect(replayed.stdout).toMatch(/^replayed 1 from the archive .*; 0 failed to send\n$/);
    expect(replayed.code).toBe(0);
    expect(await drain(stack, workerWithArchive(stack, ARCHIVE))).toEqual([]);
    expect(stack.api.received.map((r) => [r.path, r.body])).toEqual([['/a', large]]);
  });

  it('archives a job too large for an item without it; replay --archive refuses it and sends the rest', async () => {
    const huge = largeNotification(600);
    const small = fixture('tfe-run-planned');
    await receiveAll(stack, [huge, small]);
    expect(await drain(stack, workerWithArchive(stack, ARCHIVE))).toEqual([]);

    // The DLQ has all four with their real reason, the huge ones with their whole job.
    const dlq = await deadLetterQueue();
    expect(dlq.map((m) => m.reason)).toEqual(['exhausted', 'exhausted', 'exhausted', 'exhausted']);
    const hugeBodies = dlq.map((m) => m.body).filter((body) => body.includes('Réécrit'));
    expect(hugeBodies).toHaveLength(2);
    const digests = hugeBodies.map((body) => ({
      bytes: Buffer.byteLength(body),
      sha256: createHash('sha256').update(body).digest('hex'),
    }));
    const warnings = stack.logger.withMessage(
      'dead letter archived without its job (too large for the archive): the dead-letter queue has the only copy, 14 days',
    );
    expect(warnings.map((w) => [w.level, w.reason, { bytes: w.bodyBytes, sha256: w.bodySha256 }])).toEqual(
      digests.map((digest) => ['warn', 'exhausted', digest]),
    );

    const listed = await runCli(['dead-letters', 'list', '--archive', ARCHIVE], awsEnv(stack));
    expect(listed.stderr).toBe(
      'listed 4 archived dead letters of 4\n2 of them archived without their job (too large for the archive, payload null): replay those from the dead-letter queue (--dlq-url) within its 14 days\n',
    );
    const letters = lines(listed.stdout);
    const withoutJob = letters.filter((l) => l.payload === null);
    expect(withoutJob.map((l) => [l.reason, l.bodyTooLarge])).toEqual(digests.map((d) => ['exhausted', d]));
    expect(letters.filter((l) => l.payload === small)).toHaveLength(2);

    stack.behaviour = () => ({ status: 200 });
    stack.api.received.length = 0;
    const replay = ['dead-letters', 'replay', '--archive', ARCHIVE, '--queue-url', stack.queues.queueUrl];
    const replayed = await runCli(replay, awsEnv(stack));
    expect(replayed.stdout).toBe(
      'replayed 2 from the archive to the jobs queue (the worker delivers them); skipped: 0 replayed before (select one with --job to send it again), 0 not delivery jobs; 0 failed to send; 2 refused: archived without their job (replay them from the DLQ)\n',
    );
    for (const letter of withoutJob) {
      expect(replayed.stderr).toContain(
        `cannot replay ${letter.jobId} from the archive: its job (${(letter.bodyTooLarge as { bytes: number }).bytes} bytes) was too large to archive; replay it from the dead-letter queue: dead-letters replay --dlq-url URL --queue-url URL --job ${letter.jobId}\n`,
      );
    }
    expect(replayed.code).toBe(1);
    expect(await drain(stack, workerWithArchive(stack, ARCHIVE))).toEqual([]);
    expect(stack.api.received.map((r) => [r.path, r.body]).sort()).toEqual([
      ['/a', small],
      ['/b', small],
    ]);
  });
});
