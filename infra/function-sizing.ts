// How big, how long and how parallel each function runs, derived from the config where it can be.
import { Duration } from 'aws-cdk-lib';
import { type BridgeConfig, DEFAULT_MAX_CONCURRENCY } from '../lambda/core/config/schema';

/** More memory is more CPU: HashiCorp waits on the receiver's answer, cold starts included. */
export const RECEIVER_MEMORY_MB = 512;
export const RECEIVER_TIMEOUT = Duration.seconds(10);
/** The receiver's default reserved concurrency, which is also its cap: a warm receiver answers in
 *  tens of milliseconds, so 20 at once is hundreds of webhooks a second, far above what HashiCorp
 *  sends, while a flood of unsigned requests can take no more than 20 of the account's executions. */
export const DEFAULT_RECEIVER_RESERVED_CONCURRENCY = 20;
/** Lambda keeps this much of the account's concurrency unreserved: a reservation that would leave
 *  less is refused at deploy. */
export const LAMBDA_MIN_UNRESERVED_CONCURRENCY = 100;

/** The worker runs user JSONata templates in a sandbox child process (up to ~110 MB) next to its
 *  own ~57 MB after import; 256 MB left too little room for both. */
export const WORKER_MEMORY_MB = 512;
/** Jobs per worker invocation. One, on purpose: attempt counts live in the delivery-state table,
 *  not in SQS's receive count, but one job per invocation still means a slow destination holds
 *  only its own invocation, never jobs of other groups batched behind it. Concurrency comes from
 *  parallel message groups. */
export const WORKER_BATCH_SIZE = 1;
/** Worker invocations running at once: bounds the load on destinations and on the account. Jobs
 *  are ordered per workspace, not per destination, so parallel delivery is the normal case. */
export const DEFAULT_WORKER_MAX_CONCURRENCY = DEFAULT_MAX_CONCURRENCY;
/** Lambda's lower bound for an SQS event source's maximum concurrency. */
const MIN_EVENT_SOURCE_CONCURRENCY = 2;
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** The stack prop (or context) wins, then the config's `maxConcurrency`; Lambda's minimum is 2. */
export function workerMaxConcurrencyFor(config: BridgeConfig, fromProps: number | undefined): number {
  if (fromProps !== undefined) return fromProps;
  if (config.maxConcurrency === undefined) return DEFAULT_WORKER_MAX_CONCURRENCY;
  return Math.max(MIN_EVENT_SOURCE_CONCURRENCY, config.maxConcurrency);
}

/**
 * Long enough for a full batch of the slowest destination: FIFO order makes a batch from one
 * message group run one job after another, and a 401 retries an attempt once with a fresh secret.
 */
export function workerTimeoutFor(config: BridgeConfig): Duration {
  const slowestMs = Math.max(...config.routes.flatMap((route) => route.destinations.map((d) => d.timeoutMs)));
  const batchSeconds = Math.ceil((WORKER_BATCH_SIZE * (2 * slowestMs + 1_000)) / 1_000) + 10;
  return Duration.seconds(Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, Math.max(60, batchSeconds)));
}
