// The FIFO job queue the receiver fills and the worker drains, with the FIFO dead-letter queue
// behind it, and the redrive limit: SQS's own safety net behind the worker's dead-lettering.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { SQS_MAX_MESSAGE_BYTES } from '../lambda/adapters/aws/sqs-job-queue';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { receiveBudget } from '../lambda/core/deliver/engine';
import { optional } from './optional-prop';

/** The SQS maximum, on both queues: a config may space retries out over days, a job that
 *  expires on the queue is lost without a trace, and a dead letter waits for someone to look. */
export const RETENTION = Duration.days(14);
const SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

export interface JobQueueProps {
  readonly queueName?: string | undefined;
  readonly deadLetterQueueName?: string | undefined;
  /** The worker's timeout, which the visibility timeout must cover six times. */
  readonly workerTimeout: Duration;
  /** Receives before SQS moves a job to the dead-letter queue (see maxReceiveCountFor). */
  readonly maxReceiveCount: number;
  /** RETAIN (default): a deleted stack or a replaced queue leaves the queue, jobs and dead letters
   *  in place instead of deleting them with it. */
  readonly removalPolicy?: RemovalPolicy | undefined;
}

export class JobQueue extends Queue {
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    // A sibling named `DeadLetterQueue`, where the stack created it before this construct
    // existed: neither queue's logical id changes, since a replaced queue is a new, empty one.
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deadLetters = new Queue(scope, 'DeadLetterQueue', {
      ...optional('queueName', props.deadLetterQueueName),
      removalPolicy,
      fifo: true,
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: RETENTION,
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
    });
    super(scope, id, {
      ...optional('queueName', props.queueName),
      removalPolicy,
      fifo: true,
      // The receiver sets MessageDeduplicationId itself.
      contentBasedDeduplication: false,
      // High-throughput FIFO: ordering and deduplication are per message group.
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Set, not left to the default (256 KiB for queues made before SQS raised it): the receiver
      // refuses jobs over this less the dead-letter attributes' room (MAX_JOB_MESSAGE_BYTES).
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      retentionPeriod: RETENTION,
      // AWS's rule for Lambda event sources: at least six times the function timeout, so a batch
      // whose invocation is retried after throttling is not redelivered while still running.
      visibilityTimeout: Duration.seconds(
        Math.min(SQS_MAX_VISIBILITY_SECONDS, 6 * props.workerTimeout.toSeconds()),
      ),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: props.maxReceiveCount },
    });
    this.deadLetters = deadLetters;
  }
}

/**
 * SQS's own dead-lettering, a safety net behind the worker's: the receive budget of the largest
 * retry budget (every attempt, the attempts a crash may cost, every hold, a margin). The worker
 * counts attempts and holds in the delivery-state table and dead-letters with a reason first
 * (`exhausted`, `worker_failed`, `expired`); this catches only a job it cannot even look at.
 */
export function maxReceiveCountFor(config: BridgeConfig): number {
  const destinations = config.routes.flatMap((route) => route.destinations);
  return receiveBudget(Math.max(...destinations.map((d) => d.retry.maxAttempts)));
}
