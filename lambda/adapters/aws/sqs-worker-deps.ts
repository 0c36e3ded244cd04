// What the SQS worker needs (its dependencies, as the entry and tests give them) and what one
// record's processing reports: shared by the batch logic, the record logic and its steps.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryTarget } from '../../core/deliver/attempt';
import type { GuardEvent, GuardListener } from '../../core/deliver/destination-guard';
import type {
  Enricher,
  Fetch,
  HeldMessages,
  JobProgressStore,
  Logger,
  Metrics,
  SecretStore,
  SharedGuards,
} from '../../core/ports';
import type { SqsDeadLetterQueue } from './sqs-dead-letter-queue';

/** A wait for a rate-limit token up to this long happens in the invocation; a longer one holds
 *  the message back by visibility. */
export const MAX_IN_PROCESS_TOKEN_WAIT_MS = 10_000;

export interface SqsDeliveryWorkerDeps {
  /** Route, destination and compiled template for each `routeId/destinationId`. */
  targets: ReadonlyMap<string, DeliveryTarget>;
  sqs: SQSClient;
  /** The jobs queue the event source reads (for ChangeMessageVisibility). */
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** Job progress, destination guards and held messages, shared by every container. */
  state: JobProgressStore & SharedGuards & HeldMessages;
  secrets: SecretStore;
  logger: Logger;
  /** Counts `deliveries` and observes `delivery_latency` (the entry publishes them). */
  metrics?: Metrics;
  fetch?: Fetch;
  /** Reads run details for routes with `enrich` (default: over `fetch`). */
  enricher?: Enricher;
  random?: () => number;
  now?: () => Date;
  /** Sees every circuit-breaker and rate-limit change (besides the log line), e.g. for metrics. */
  onGuardEvent?: GuardListener;
  /** Longest in-invocation wait for a token (default MAX_IN_PROCESS_TOKEN_WAIT_MS). */
  maxTokenWaitMs?: number;
  /** Jobs held back longer than this are dead-lettered as `expired` (default MAX_HELD_JOB_AGE_MS). */
  maxHeldJobAgeMs?: number;
}

/** What one record needs: the worker's dependencies with their defaults filled in. */
export type RecordDeps = Omit<SqsDeliveryWorkerDeps, 'now' | 'onGuardEvent' | 'deadLetterQueueUrl'> & {
  now: () => Date;
  deadLetters: SqsDeadLetterQueue;
  /** Each guard event (circuit opened, rate lowered...) once it is stored: logs, metrics. */
  onGuardEvent: (event: GuardEvent) => void;
};

/** How a record ended: `retry` also carries the visibility it was given. */
export type RecordOutcome = { failed: false } | { failed: true; visibilitySeconds?: number };
