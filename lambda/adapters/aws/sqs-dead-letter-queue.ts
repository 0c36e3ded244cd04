// The AWS dead-letter queue, one object for its message format: the worker writes dead letters
// (job body + the reason as attributes), the CLI reads them back as the same records the local
// store lists, sends one back to the jobs queue, deletes it, or lets it go.
import { DEAD_LETTER_REASONS, type DeadLetter, type DeliveryJob, parseJobMessage } from '../../core/contract';
import { cutText } from '../../core/redaction';
import type { AwsCaller, SqsMessage } from './aws-caller';
import { messageGroupIdFor } from './job-message';
import { changeVisibility, type VisibilityFailures } from './sqs-visibility';

/** One message of the DLQ: the dead letter (the same record the local store lists), the job to
 *  send back (undefined for a body that is not a delivery job), and where it sits in SQS. */
export interface QueuedDeadLetter {
  messageId: string;
  receiptHandle: string;
  groupId: string | undefined;
  letter: DeadLetter;
  /** The message body as stored: sent back unchanged. */
  body: string;
  job: DeliveryJob | undefined;
}

/** Where a dead letter goes on AWS: its job as the body, so a redrive re-runs it unchanged. */
export interface DeadLetterMessage {
  body: string;
  groupId: string;
  dedupId: string;
}

const MAX_BATCH = 10;
/** Long enough for a useful error, short enough for a message attribute. */
const MAX_ATTRIBUTE_CHARS = 1_000;
/** Moved by the queue's redrive policy, not by the worker: it never finished the job. */
const REDRIVEN = 'the queue moved it after too many receives: the worker never finished it';

/** SQS refuses attribute values with characters outside XML's range; an error text may hold any. */
function attributeText(text: string): string {
  const clean = text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
  return cutText(clean, MAX_ATTRIBUTE_CHARS) || '-';
}

/** The dead letter's fields as message attributes: the one place their names are spelled. */
function attributesOf(letter: DeadLetter): NonNullable<SqsMessage['MessageAttributes']> {
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  const number = (value: number) => ({ DataType: 'Number', StringValue: String(value) });
  return {
    reason: text(letter.reason),
    attempts: number(letter.attempts),
    lastError: text(attributeText(letter.lastError)),
    deadLetteredAt: text(letter.deadLetteredAt),
    // Empty attribute values are invalid, so unknown ones are left out.
    ...(letter.lastStatus === null ? {} : { lastStatus: number(letter.lastStatus) }),
    ...(letter.idempotencyKey === null ? {} : { idempotencyKey: text(letter.idempotencyKey) }),
  };
}

function letterOf(message: SqsMessage): QueuedDeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const parsed = parseJobMessage(message.Body ?? '');
  const job = parsed.ok ? parsed.job : undefined;
  const reason = DEAD_LETTER_REASONS.find((r) => r === attribute('reason'));
  const status = attribute('lastStatus');
  const letter: DeadLetter = {
    deadLetteredAt: attribute('deadLetteredAt') ?? '',
    // Without the worker's attributes SQS's redrive moved it: the worker never finished it.
    reason: reason ?? (job ? 'worker_failed' : 'malformed'),
    jobId: job?.id ?? '',
    routeId: job?.routeId ?? '',
    destinationId: job?.destinationId ?? '',
    attempts: Number(attribute('attempts') ?? 0),
    lastStatus: status === undefined ? null : Number(status),
    lastError: attribute('lastError') ?? (reason ? '' : parsed.ok ? REDRIVEN : parsed.reason),
    receivedAt: job?.receivedAt ?? '',
    kind: job?.kind ?? 'unknown',
    triggers: job?.triggers ?? [],
    payload: job?.body ?? message.Body ?? '',
    idempotencyKey: attribute('idempotencyKey') ?? null,
  };
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    groupId: message.Attributes?.MessageGroupId,
    letter,
    body: message.Body ?? '',
    job,
  };
}

export class SqsDeadLetterQueue {
  constructor(
    private readonly sqs: AwsCaller,
    readonly deadLetterQueueUrl: string,
  ) {}

  /** Stores a dead letter: the worker's write, read back by `receive`. */
  async write(letter: DeadLetter, message: DeadLetterMessage): Promise<void> {
    await this.sqs.call('SendMessage', {
      QueueUrl: this.deadLetterQueueUrl,
      MessageBody: message.body,
      MessageGroupId: message.groupId,
      MessageDeduplicationId: message.dedupId,
      MessageAttributes: attributesOf(letter),
    });
  }

  /** ApproximateNumberOfMessages: what SQS holds, including what a receive cannot reach yet. */
  async approximateCount(): Promise<number> {
    const { Attributes } = await this.sqs.call('GetQueueAttributes', {
      QueueUrl: this.deadLetterQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  /** The next batch, hidden from other readers for `visibilitySeconds` (empty when none is left). */
  async receive(visibilitySeconds: number): Promise<QueuedDeadLetter[]> {
    const { Messages } = await this.sqs.call('ReceiveMessage', {
      QueueUrl: this.deadLetterQueueUrl,
      MaxNumberOfMessages: MAX_BATCH,
      WaitTimeSeconds: 0,
      VisibilityTimeout: visibilitySeconds,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    });
    return (Messages ?? []).map(letterOf);
  }

  /**
   * Sends the job back to the jobs queue in its original message group (so it keeps its place in
   * the destination's order). Not with the job's own dedup id: SQS remembers that for 5 minutes
   * and would accept the send but drop the message. The DLQ message id is unique per dead letter
   * and stable, so sending the same letter twice (a replay interrupted before the delete) still
   * deduplicates.
   */
  async sendBack(letter: QueuedDeadLetter & { job: DeliveryJob }, queueUrl: string): Promise<void> {
    await this.sqs.call('SendMessage', {
      QueueUrl: queueUrl,
      MessageBody: letter.body,
      MessageGroupId: letter.groupId ?? messageGroupIdFor(letter.job),
      MessageDeduplicationId: `${letter.job.id}:replay:${letter.messageId}`.slice(0, 128),
    });
  }

  async delete(letter: QueuedDeadLetter): Promise<void> {
    await this.sqs.call('DeleteMessage', {
      QueueUrl: this.deadLetterQueueUrl,
      ReceiptHandle: letter.receiptHandle,
    });
  }

  /** Makes letters visible again at once (the ones listed or skipped); says how many stay hidden
   *  until the visibility they were received with ends. */
  release(letters: readonly QueuedDeadLetter[]): Promise<VisibilityFailures> {
    const handles = letters.map((letter) => letter.receiptHandle);
    return changeVisibility(this.sqs, this.deadLetterQueueUrl, handles, 0);
  }
}
