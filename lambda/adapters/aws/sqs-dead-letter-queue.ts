// The AWS dead-letter queue as the CLI sees it: read the dead letters (job body + the reason
// attributes the worker writes), send one back to the jobs queue, delete it, or let it go.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeliveryJob } from '../../core/contract';
import { messageGroupIdFor, parseJobMessage } from './job-message';

/** One message of the DLQ. `job` is undefined for a body that is not a delivery job. */
export interface QueuedDeadLetter {
  messageId: string;
  receiptHandle: string;
  groupId: string | undefined;
  /** Null when SQS's own redrive policy moved it (the worker crashed on it), not the worker. */
  reason: string | null;
  attempts: number | null;
  lastStatus: number | null;
  lastError: string | null;
  deadLetteredAt: string | null;
  /** The Idempotency-Key the deliveries carried; null when the destination turns it off. */
  idempotencyKey: string | null;
  /** The message body as stored: sent back unchanged. */
  body: string;
  job: DeliveryJob | undefined;
}

const MAX_BATCH = 10;

function toDeadLetter(message: Message): QueuedDeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue ?? null;
  const number = (name: string) => {
    const value = attribute(name);
    return value === null ? null : Number(value);
  };
  const parsed = parseJobMessage(message.Body ?? '');
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    groupId: message.Attributes?.MessageGroupId,
    reason: attribute('reason'),
    attempts: number('attempts'),
    lastStatus: number('lastStatus'),
    lastError: attribute('lastError'),
    deadLetteredAt: attribute('deadLetteredAt'),
    idempotencyKey: attribute('idempotencyKey'),
    body: message.Body ?? '',
    job: parsed.ok ? parsed.job : undefined,
  };
}

export class SqsDeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly deadLetterQueueUrl: string,
  ) {}

  /** ApproximateNumberOfMessages: what SQS holds, including what a receive cannot reach yet. */
  async approximateCount(): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  /** The next batch, hidden from other readers for `visibilitySeconds` (empty when none is left). */
  async receive(visibilitySeconds: number): Promise<QueuedDeadLetter[]> {
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MaxNumberOfMessages: MAX_BATCH,
        WaitTimeSeconds: 0,
        VisibilityTimeout: visibilitySeconds,
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return (Messages ?? []).map(toDeadLetter);
  }

  /**
   * Sends the job back to the jobs queue in its original message group (so it keeps its place in
   * the destination's order). Not with the job's own dedup id: SQS remembers that for 5 minutes
   * and would accept the send but drop the message. The DLQ message id is unique per dead letter
   * and stable, so sending the same letter twice (a replay interrupted before the delete) still
   * deduplicates.
   */
  async sendBack(letter: QueuedDeadLetter & { job: DeliveryJob }, queueUrl: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: letter.body,
        MessageGroupId: letter.groupId ?? messageGroupIdFor(letter.job),
        MessageDeduplicationId: `${letter.job.id}:replay:${letter.messageId}`.slice(0, 128),
      }),
    );
  }

  async delete(letter: QueuedDeadLetter): Promise<void> {
    await this.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.deadLetterQueueUrl, ReceiptHandle: letter.receiptHandle }),
    );
  }

  /** Makes letters visible again at once (the ones listed or skipped). */
  async release(letters: readonly QueuedDeadLetter[]): Promise<void> {
    for (let i = 0; i < letters.length; i += MAX_BATCH) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.deadLetterQueueUrl,
          Entries: letters.slice(i, i + MAX_BATCH).map((letter, index) => ({
            Id: `m${index}`,
            ReceiptHandle: letter.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}
