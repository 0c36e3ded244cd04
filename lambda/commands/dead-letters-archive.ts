// `tfe-bridge dead-letters list|replay --archive TABLE`: the AWS dead-letter archive, which keeps
// each letter for the deploy's chosen days after the DLQ has deleted it. list prints the same
// records as the DLQ and the local store; replay sends the selected jobs to the jobs queue (the
// deployed worker delivers them) and marks each replayed, keeping it in the archive.
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type ArchivedDeadLetter, DynamoDbDeadLetterArchive } from '../adapters/aws/dead-letter-archive';
import { messageGroupIdFor } from '../adapters/aws/job-message';
import { DYNAMODB_COMMANDS, sdkCaller } from '../adapters/aws/sdk-caller';
import type { DeliveryJob } from '../core/contract';
import { type CommandIo, EXIT_FAILURE, EXIT_OK } from './args';
import type { SqsDeadLetterOptions } from './dead-letters-sqs';

export interface ArchiveDeadLetterOptions extends Omit<SqsDeadLetterOptions, 'deadLetterQueueUrl'> {
  archiveTable: string;
  /** `--job` was given: a letter replayed before is sent again when asked for by its job id. */
  jobSelected: boolean;
}

const TIMEOUTS = { requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 } };

export async function runArchiveDeadLetters(
  options: ArchiveDeadLetterOptions,
  io: CommandIo,
): Promise<number> {
  const dynamodb = new DynamoDBClient(TIMEOUTS);
  try {
    const archive = new DynamoDbDeadLetterArchive(
      sdkCaller(dynamodb, DYNAMODB_COMMANDS),
      options.archiveTable,
    );
    const { letters, unreadable } = await archive.readAll();
    const selected = letters.filter((archived) => options.matches(archived.letter));
    if (unreadable > 0) io.stderr(`skipped ${unreadable} archive items that are not dead letters\n`);
    if (options.action === 'list') {
      for (const { letter, replayedAt, bodyTooLarge } of selected)
        io.stdout(
          `${JSON.stringify({ ...letter, replayedAt, ...(bodyTooLarge ? { bodyTooLarge } : {}) })}\n`,
        );
      io.stderr(`listed ${selected.length} archived dead letters of ${letters.length}\n`);
      const withoutJob = selected.filter((archived) => archived.bodyTooLarge).length;
      if (withoutJob > 0) {
        io.stderr(
          `${withoutJob} of them archived without their job (too large for the archive, payload null): replay those from the dead-letter queue (--dlq-url) within its 14 days\n`,
        );
      }
      return EXIT_OK;
    }
    return await replay(archive, selected, options, io);
  } finally {
    dynamodb.destroy();
  }
}

async function replay(
  archive: DynamoDbDeadLetterArchive,
  selected: ArchivedDeadLetter[],
  options: ArchiveDeadLetterOptions,
  io: CommandIo,
): Promise<number> {
  const sqs = new SQSClient(TIMEOUTS);
  let replayed = 0;
  let already = 0;
  let notJobs = 0;
  let tooLarge = 0;
  let failed = 0;
  try {
    for (const archived of selected) {
      if (archived.replayedAt !== null && !options.jobSelected) {
        already++;
        continue;
      }
      if (archived.bodyTooLarge) {
        tooLarge++;
        io.stderr(
          `cannot replay ${archived.letter.jobId} from the archive: its job (${archived.bodyTooLarge.bytes} bytes) was too large to archive; replay it from the dead-letter queue: dead-letters replay --dlq-url URL --queue-url URL --job ${archived.letter.jobId}\n`,
        );
        continue;
      }
      if (!archived.job || archived.body === null) {
        notJobs++;
        continue;
      }
      try {
        await sendBack(sqs, options.queueUrl ?? '', archived as Replayable);
      } catch (error) {
        failed++;
        io.stderr(
          `could not send ${archived.letter.jobId} back to the jobs queue: ${(error as Error).name}\n`,
        );
        continue;
      }
      replayed++;
      await archive.markReplayed(archived.id, new Date()).catch((error: unknown) => {
        io.stderr(`sent ${archived.letter.jobId} but could not mark it replayed: ${(error as Error).name}\n`);
      });
    }
  } finally {
    sqs.destroy();
  }
  // Only when there are some: the line stays as it was for archives without such letters.
  const refused =
    tooLarge > 0 ? `; ${tooLarge} refused: archived without their job (replay them from the DLQ)` : '';
  io.stdout(
    `replayed ${replayed} from the archive to the jobs queue (the worker delivers them); skipped: ${already} replayed before (select one with --job to send it again), ${notJobs} not delivery jobs; ${failed} failed to send${refused}\n`,
  );
  // A refused letter was asked for and not sent, like a failed send: exit 1 (the rest went).
  return failed > 0 || tooLarge > 0 ? EXIT_FAILURE : EXIT_OK;
}

type Replayable = ArchivedDeadLetter & { job: DeliveryJob; body: string };

/** In the letter's message group, so it keeps its place in its destination's order. The dedup id
 *  is per archive item: a replay run twice within SQS's 5 minutes sends it once. */
async function sendBack(sqs: SQSClient, queueUrl: string, archived: Replayable) {
  const digest = createHash('sha256').update(archived.id).digest('hex');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: archived.body,
      MessageGroupId: archived.groupId || messageGroupIdFor(archived.job),
      MessageDeduplicationId: `archive:${digest}`,
    }),
  );
}
