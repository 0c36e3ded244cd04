// `tfe-bridge dead-letters list|replay` against the AWS dead-letter queue: list prints each dead
// letter as the same record the local store lists; replay sends the selected jobs back to the jobs queue (the
// deployed worker delivers them) and deletes each from the DLQ only once the send succeeded.
import { SQSClient } from '@aws-sdk/client-sqs';
import { SQS_COMMANDS, sdkCaller } from '../adapters/aws/sdk-caller';
import type { QueuedDeadLetter } from '../adapters/aws/sqs-dead-letter-queue';
import { SqsDeadLetterQueue } from '../adapters/aws/sqs-dead-letter-queue';
import type { VisibilityFailures } from '../adapters/aws/sqs-visibility';
import type { DeliveryJob } from '../core/contract';
import { type CommandIo, EXIT_FAILURE, EXIT_OK, UsageError } from './args';

/** How long listed letters stay hidden from the worker's view while the list runs. */
const LIST_VISIBILITY_SECONDS = 30;
/** How long letters a replay skips stay hidden (so it does not see them again); released at the end. */
const REPLAY_VISIBILITY_SECONDS = 300;

export interface SqsDeadLetterOptions {
  action: 'list' | 'replay';
  deadLetterQueueUrl: string;
  queueUrl: string | undefined;
  matches: (letter: {
    routeId: string | null;
    destinationId: string | null;
    reason: string | null;
    jobId: string | null;
  }) => boolean;
}

/**
 * `eu-west-1` from `https://sqs.eu-west-1.amazonaws.com/123456789012/q` (also `.amazonaws.com.cn`,
 * `sqs-fips.`, and the legacy `eu-west-1.queue.amazonaws.com`); undefined for any other host.
 */
export function regionOfQueueUrl(url: string): string | undefined {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return (
    /^sqs(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1] ??
    /^([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1]
  );
}

export async function runSqsDeadLetters(options: SqsDeadLetterOptions, io: CommandIo): Promise<number> {
  // The queue lives in the region its URL names: that region, whatever AWS_REGION says (any other
  // would not find it). Credentials, endpoint (AWS_ENDPOINT_URL_SQS) and, for a URL that names no
  // region, the region come from the standard AWS settings.
  const region = regionOfQueueUrl(options.deadLetterQueueUrl);
  // An endpoint the person set (a local emulator, a VPC endpoint) is where the requests go, not
  // the host of the queue URL, which the SDK would otherwise prefer.
  const endpointSet = Boolean(io.env.AWS_ENDPOINT_URL_SQS || io.env.AWS_ENDPOINT_URL);
  const sqs = new SQSClient({
    ...(region ? { region } : {}),
    ...(endpointSet ? { useQueueUrlAsEndpoint: false } : {}),
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
  });
  const dlq = new SqsDeadLetterQueue(sdkCaller(sqs, SQS_COMMANDS), options.deadLetterQueueUrl);
  try {
    return options.action === 'list' ? await list(dlq, options, io) : await replay(dlq, options, io);
  } catch (error) {
    if ((error as Error).message === 'Region is missing') {
      throw new UsageError(
        `the queue URL ${options.deadLetterQueueUrl} names no AWS region: set AWS_REGION (or AWS_PROFILE with a region)`,
      );
    }
    throw error;
  } finally {
    sqs.destroy();
  }
}

/** Letters SQS would not make visible again stay hidden from the next command until then. */
function reportHidden(failures: VisibilityFailures, seconds: number, io: CommandIo): void {
  if (failures.count === 0) return;
  io.stderr(
    `${failures.count} dead letters stay hidden for up to ${seconds} s (SQS did not release them: ${failures.codes.join(', ')})\n`,
  );
}

async function list(dlq: SqsDeadLetterQueue, options: SqsDeadLetterOptions, io: CommandIo): Promise<number> {
  const total = await dlq.approximateCount();
  const seen = new Map<string, QueuedDeadLetter>();
  for (;;) {
    const batch = await dlq.receive(LIST_VISIBILITY_SECONDS);
    const fresh = batch.filter((letter) => !seen.has(letter.messageId));
    for (const letter of batch) seen.set(letter.messageId, letter);
    if (fresh.length === 0) break;
  }
  reportHidden(await dlq.release([...seen.values()]), LIST_VISIBILITY_SECONDS, io);
  let shown = 0;
  for (const letter of seen.values()) {
    const line = letter.letter;
    if (!options.matches(line)) continue;
    io.stdout(`${JSON.stringify(line)}\n`);
    shown++;
  }
  // SQS FIFO hands out at most 10 messages of one group while they are in flight; say so when
  // the queue held more than a list could reach.
  const reached =
    seen.size < total
      ? ` (read ${seen.size} of about ${total}: a FIFO queue shows at most 10 per destination at a time; replay the first ones to reach the rest)`
      : '';
  io.stderr(`listed ${shown} dead letters${reached}\n`);
  return EXIT_OK;
}

async function replay(
  dlq: SqsDeadLetterQueue,
  options: SqsDeadLetterOptions,
  io: CommandIo,
): Promise<number> {
  const queueUrl = options.queueUrl ?? '';
  const held: QueuedDeadLetter[] = [];
  const seen = new Set<string>();
  /** Groups with a letter that could not be sent: later letters of the group wait, to keep order. */
  const blockedGroups = new Set<string>();
  let replayed = 0;
  let notJobs = 0;
  let notSelected = 0;
  let heldBack = 0;
  let failed = 0;
  for (;;) {
    const batch = await dlq.receive(REPLAY_VISIBILITY_SECONDS);
    if (batch.length === 0) break;
    for (const letter of batch) {
      const group = letter.groupId ?? letter.messageId;
      // Seen already: its hold ran out during a long replay. Hold it again, count it once.
      if (seen.has(letter.messageId)) {
        held.push(letter);
        continue;
      }
      seen.add(letter.messageId);
      if (!options.matches(letter.letter)) {
        notSelected++;
        held.push(letter);
        continue;
      }
      if (blockedGroups.has(group)) {
        heldBack++;
        held.push(letter);
        continue;
      }
      if (!letter.job) {
        notJobs++;
        held.push(letter);
        io.stderr(
          `skipped ${letter.messageId}: not a delivery job (${letter.letter.lastError || 'no reason recorded'})\n`,
        );
        continue;
      }
      try {
        await dlq.sendBack(letter as QueuedDeadLetter & { job: DeliveryJob }, queueUrl);
      } catch (error) {
        failed++;
        blockedGroups.add(group);
        held.push(letter);
        io.stderr(
          `could not send ${letter.messageId} back to the jobs queue: ${(error as Error).name}: ${(error as Error).message}\n`,
        );
        continue;
      }
      replayed++;
      try {
        await dlq.delete(letter);
      } catch (error) {
        // Sent but still in the DLQ: a later replay sends it again with the same dedup id,
        // which SQS drops within 5 minutes; after that the worker may deliver it twice.
        io.stderr(
          `sent ${letter.messageId} back but could not delete it from the DLQ: ${(error as Error).name}\n`,
        );
      }
    }
  }
  reportHidden(await dlq.release(held), REPLAY_VISIBILITY_SECONDS, io);
  io.stdout(
    `replayed ${replayed} to the jobs queue (the worker delivers them); left in the dead-letter queue: ${notSelected} not selected, ${failed} failed to send, ${heldBack} held behind a failed one, ${notJobs} not delivery jobs\n`,
  );
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}
