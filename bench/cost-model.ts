// The monthly AWS bill for a number of notifications, from what `npm run bench` measured per
// notification (bench/cost.ts). List prices, us-east-1, without free tiers; the durations are
// assumptions this machine cannot measure (it has no Lambda), stated next to the table.

/** USD list prices (us-east-1) as of 2026-11; check https://aws.amazon.com/pricing before relying. */
export const PRICES = {
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  sqsFifoPerMillionRequests: 0.5,
  dynamoDbPerMillionWrites: 0.625,
  dynamoDbPerMillionReads: 0.125,
  secretsManagerPer10kCalls: 0.05,
  cloudWatchLogsPerGbIngested: 0.5,
  eventBridgePerMillionEvents: 1.0,
  eventBridgeApiDestinationPerMillion: 0.2,
} as const;

/** Measured per delivered notification (one destination), plus the assumed billed durations. */
export interface PerNotification {
  logBytes: number;
  /** Of those, the receiver's (the part an EventBridge design would keep). */
  receiverLogBytes: number;
  receiverInvocations: number;
  workerInvocations: number;
  sqsRequests: number;
  dynamoDbWrites: number;
  dynamoDbReads: number;
  secretReads: number;
  receiverMs: number;
  workerMs: number;
  /** What infra gives each function (infra/function-sizing.ts). */
  receiverMemoryGb: number;
  workerMemoryGb: number;
}

export interface CostLine {
  item: string;
  usd: (notifications: number) => number;
}

const perMillion = (price: number, count: number) => (price * count) / 1_000_000;

/** tfe-bridge as deployed: receiver, FIFO queue, worker with DynamoDB state, Powertools logs. */
export function bridgeCost(p: PerNotification): CostLine[] {
  const invocations = p.receiverInvocations + p.workerInvocations;
  const gbSeconds =
    (p.receiverInvocations * p.receiverMemoryGb * p.receiverMs +
      p.workerInvocations * p.workerMemoryGb * p.workerMs) /
    1000;
  return [
    { item: 'Lambda requests', usd: (n) => perMillion(PRICES.lambdaPerMillionRequests, n * invocations) },
    { item: 'Lambda duration (arm64)', usd: (n) => n * gbSeconds * PRICES.lambdaArmPerGbSecond },
    {
      item: 'SQS FIFO requests',
      usd: (n) => perMillion(PRICES.sqsFifoPerMillionRequests, n * p.sqsRequests),
    },
    {
      item: 'DynamoDB on-demand',
      usd: (n) =>
        perMillion(PRICES.dynamoDbPerMillionWrites, n * p.dynamoDbWrites) +
        perMillion(PRICES.dynamoDbPerMillionReads, n * p.dynamoDbReads),
    },
    {
      item: 'Secrets Manager calls',
      usd: (n) => (n * p.secretReads * PRICES.secretsManagerPer10kCalls) / 10_000,
    },
    {
      item: 'CloudWatch Logs ingestion',
      usd: (n) => (n * p.logBytes * PRICES.cloudWatchLogsPerGbIngested) / 1024 ** 3,
    },
  ];
}

/**
 * The same job on EventBridge API destinations: HashiCorp cannot sign for EventBridge, so a
 * Function URL + Lambda still verifies the HMAC and calls PutEvents; the API destination then
 * forwards with its connection's auth (no per-workspace order, no presets, no shared breaker).
 */
export function eventBridgeCost(p: PerNotification): CostLine[] {
  return [
    {
      item: 'Lambda (verify, PutEvents)',
      usd: (n) =>
        perMillion(PRICES.lambdaPerMillionRequests, n) +
        n * p.receiverMemoryGb * (p.receiverMs / 1000) * PRICES.lambdaArmPerGbSecond,
    },
    {
      item: 'EventBridge events + API destination',
      usd: (n) =>
        perMillion(PRICES.eventBridgePerMillionEvents + PRICES.eventBridgeApiDestinationPerMillion, n),
    },
    {
      item: 'CloudWatch Logs (the Lambda)',
      usd: (n) => (n * p.receiverLogBytes * PRICES.cloudWatchLogsPerGbIngested) / 1024 ** 3,
    },
  ];
}

export const total = (lines: CostLine[], notifications: number): number =>
  lines.reduce((sum, line) => sum + line.usd(notifications), 0);
