// What the SQS worker needs (its dependencies, as the entry and tests give them) and what one
// record's processing reports: shared by the batch logic, the record logic and its steps.
import type { DeadLetter } from '../../core/contract';
import type { DeliveryTarget } from '../../core/deliver/attempt';
import type { GuardEvent, GuardListener } from '../../core/deliver/destination-guard';
import type { LiveMessageStore } from '../../core/deliver/live/live-state';
import type { OAuth2Tokens } from '../../core/deliver/oauth2';
import type {
  AwsEndpointResolver,
  AwsRequestSigner,
  Enricher,
  Fetch,
  HeldMessages,
  JobProgressStore,
  Logger,
  Metrics,
  SecretStore,
  SharedGuards,
  TlsFetch,
} from '../../core/ports';
import type { AwsCaller } from './aws-caller';
import type { DynamoDbDeadLetterArchive } from './dead-letter-archive';
import type { DeadLetterMessage } from './sqs-dead-letter-queue';

/** A wait for a rate-limit token up to this long happens in the invocation; a longer one holds
 *  the message back by visibility. */
export const MAX_IN_PROCESS_TOKEN_WAIT_MS = 10_000;

export interface SqsDeliveryWorkerDeps {
  /** Route, destination and compiled template for each `routeId/destinationId`. */
  targets: ReadonlyMap<string, DeliveryTarget>;
  /** SQS, for the message's visibility and the dead-letter queue. */
  sqs: AwsCaller;
  /** The jobs queue the event source reads (for ChangeMessageVisibility). */
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** Keeps every dead letter past the DLQ's 14 days (written first: a letter is stored once both
   *  hold it). Absent when the deploy turned the archive off. */
  deadLetterArchive?: Pick<DynamoDbDeadLetterArchive, 'put'> | undefined;
  /** Job progress, destination guards and held messages, shared by every container. */
  state: JobProgressStore & SharedGuards & HeldMessages;
  secrets: SecretStore;
  /** Which chat message shows which run (only when some destination is `live`). */
  liveMessages?: LiveMessageStore;
  logger: Logger;
  /** Counts `deliveries` and observes `delivery_latency` (the entry publishes them). */
  metrics?: Metrics;
  fetch?: Fetch;
  /** Signs aws-iam destinations' requests (default: SigV4 with the function's role). */
  signAws?: AwsRequestSigner;
  /** Where eventbridge, sns and sqs destinations' APIs are (default: from AWS_REGION and the
   *  AWS_ENDPOINT_URL_* overrides). */
  awsEndpoint?: AwsEndpointResolver;
  /** Sends requests with a client certificate (default: node:https). */
  fetchTls?: TlsFetch;
  /** OAuth2 tokens, kept for the container's life (default: a new cache on the worker's fetch). */
  tokens?: OAuth2Tokens;
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
export type RecordDeps = Omit<
  SqsDeliveryWorkerDeps,
  'now' | 'onGuardEvent' | 'deadLetterQueueUrl' | 'signAws' | 'awsEndpoint' | 'fetchTls'
> & {
  now: () => Date;
  signAws: AwsRequestSigner;
  awsEndpoint: AwsEndpointResolver;
  fetchTls: TlsFetch;
  tokens: OAuth2Tokens;
  deadLetters: { write(letter: DeadLetter, message: DeadLetterMessage): Promise<void> };
  /** Each guard event (circuit opened, rate lowered...) once it is stored: logs, metrics. */
  onGuardEvent: (event: GuardEvent) => void;
};

/** How a record ended: `retry` also carries the visibility it was given. */
export type RecordOutcome = { failed: false } | { failed: true; visibilitySeconds?: number };
