// Benchmark 6, cost per notification on AWS (issue 16 item 5): the simulated AWS path (receiver
// handler, local SQS, worker containers with DynamoDB state, a destination that answers at once)
// with the real Powertools logger, counting what AWS bills: log bytes, Lambda invocations, SQS,
// DynamoDB and Secrets Manager requests, per delivered notification. docs/deploy.md's cost model
// takes these as its inputs.
import { PowertoolsLogger } from '../lambda/adapters/aws/powertools-logger';
import { answer, startDestination } from '../test/support/destination-server';
import { fixture } from '../test/support/fixtures';
import { lambdaContext } from '../test/support/lambda-runtime';
import { buildWorkers, startAwsPath } from './burst-paths';
import { bridgeCost, type CostLine, eventBridgeCost, type PerNotification, total } from './cost-model';
import { signNotification } from './notifications';
import { type Check, formatNumber, formatTable, type Section } from './table';

/** What this machine cannot measure without Lambda: billed durations. */
const ASSUMED = { receiverMs: 20, workerMs: 250 } as const;

export interface CostOptions {
  notifications: number;
  workspaces: number;
  log: (line: string) => void;
}

/**
 * Runs `work` with the process's stdout and stderr counting (and swallowing) the logger's JSON
 * lines; anything else passes through. Powertools writes through its own Console on both.
 */
async function countingLogBytes<T>(
  work: () => Promise<T>,
): Promise<{ result: T; bytes: number; lines: number; byMessage: Map<string, number> }> {
  let bytes = 0;
  let lines = 0;
  const byMessage = new Map<string, number>();
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream, i) => {
    const original = originals[i] as typeof stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      if (text.startsWith('{') && text.includes('"service":"tfe-bridge"')) {
        for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
          const size = Buffer.byteLength(line) + 1;
          const { message } = JSON.parse(line) as { message?: string };
          byMessage.set(String(message), (byMessage.get(String(message)) ?? 0) + size);
          bytes += size;
          lines++;
        }
        return true;
      }
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  });
  try {
    return { result: await work(), bytes, lines, byMessage };
  } finally {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  }
}

export async function benchCost({ notifications, workspaces, log }: CostOptions): Promise<Section> {
  const destination = await startDestination(answer(200));
  const logger = new PowertoolsLogger();
  // What Lambda gives the logger on AWS, so each line carries the fields it carries there.
  logger.addContext(lambdaContext('tfe-bridge-worker'));
  // Loaded here: aws-cdk-lib is slow to import, and only this benchmark needs the sizes.
  const { RECEIVER_MEMORY_MB, WORKER_MEMORY_MB } = await import('../infra/function-sizing');
  const template = fixture('tfe-run-completed-captured');
  const {
    result: stats,
    bytes,
    lines,
    byMessage,
  } = await countingLogBytes(async () => {
    const path = await startAwsPath({ id: 'api', url: destination.url }, buildWorkers, logger);
    try {
      for (let n = 0; n < notifications; n++) {
        const payload = JSON.parse(template) as Record<string, unknown>;
        const body = JSON.stringify({
          ...payload,
          run_id: `run-cost-${n}`,
          workspace_id: `ws-cost-${n % workspaces}`,
        });
        const status = await path.post(signNotification(body));
        if (status !== 202) throw new Error(`notification ${n} answered ${status}`);
      }
      await destination.waitFor(notifications, 120_000);
      log(`cost: ${notifications} delivered`);
      return await path.stats();
    } finally {
      await path.close();
      await destination.close();
    }
  });
  const per = (value: number) => formatNumber(value / notifications, 2);
  const count = (value: number) => formatNumber(value, 0);
  // Queue set-up and the benchmark's own reads of the DLQ depth are not the bridge's.
  const harness = /^sqs:(CreateQueue|GetQueueAttributes|SetQueueAttributes)$/;
  const sqs = Object.entries(stats).filter(([name]) => name.startsWith('sqs:') && !harness.test(name));
  const dynamodb = Object.entries(stats).filter(([name]) => name.startsWith('dynamodb:'));
  const sum = (entries: [string, number][]) => entries.reduce((acc, [, n]) => acc + n, 0);
  // The Lambda event source mapping's own polling: billed, but per poll, not per notification.
  const polling = (name: string) => /^sqs:(ReceiveMessage|DeleteMessage|DeleteMessageBatch)$/.test(name);
  const rows: string[][] = [
    ['log bytes (Powertools JSON lines)', count(bytes), per(bytes)],
    ['log lines', count(lines), per(lines)],
    ['receiver invocations', count(stats.receiverInvocations ?? 0), per(stats.receiverInvocations ?? 0)],
    ['worker invocations', count(stats.invocations ?? 0), per(stats.invocations ?? 0)],
    ...sqs.map(([name, n]) => [`${name}${polling(name) ? ' (event source mapping)' : ''}`, count(n), per(n)]),
    [
      'SQS requests, bridge only',
      count(sum(sqs.filter(([name]) => !polling(name)))),
      per(sum(sqs.filter(([name]) => !polling(name)))),
    ],
    ...dynamodb.map(([name, n]) => [name, count(n), per(n)]),
    ['DynamoDB requests', count(sum(dynamodb)), per(sum(dynamodb))],
    ['Secrets Manager reads', count(stats.secretReads ?? 0), per(stats.secretReads ?? 0)],
    ['dead letters', count(stats.deadLetters ?? 0), per(stats.deadLetters ?? 0)],
  ];
  const logBytesPer = bytes / notifications;
  const reads = dynamodb.filter(([name]) => /GetItem|Query/.test(name));
  const perNotification: PerNotification = {
    logBytes: logBytesPer,
    receiverLogBytes: (byMessage.get('request') ?? 0) / notifications,
    receiverInvocations: (stats.receiverInvocations ?? 0) / notifications,
    workerInvocations: (stats.invocations ?? 0) / notifications,
    sqsRequests: sum(sqs) / notifications,
    dynamoDbWrites: (sum(dynamodb) - sum(reads)) / notifications,
    dynamoDbReads: sum(reads) / notifications,
    secretReads: (stats.secretReads ?? 0) / notifications,
    ...ASSUMED,
    receiverMemoryGb: RECEIVER_MEMORY_MB / 1024,
    workerMemoryGb: WORKER_MEMORY_MB / 1024,
  };
  const volumes = [10_000, 1_000_000, 10_000_000];
  const usd = (value: number) => `$${value < 10 ? value.toFixed(2) : formatNumber(value, 0)}`;
  const costRows = (lines: CostLine[], prefix = '') => [
    ...lines.map((line) => [`${prefix}${line.item}`, ...volumes.map((n) => usd(line.usd(n)))]),
    [`${prefix}total`, ...volumes.map((n) => usd(total(lines, n)))],
  ];
  const costTable = formatTable(
    ['per month, USD (list prices, no free tier)', ...volumes.map((n) => `${formatNumber(n, 0)} notif.`)],
    [
      ...costRows(bridgeCost(perNotification)),
      ...costRows(eventBridgeCost(perNotification), 'EventBridge: '),
    ],
  );
  const checks: Check[] = [
    {
      name: 'log bytes per notification (AWS)',
      value: formatNumber(logBytesPer),
      target: '(cost model input)',
      pass: null,
    },
  ];
  return {
    title: `6. Cost per notification on AWS (simulated: ${notifications} run notifications over ${workspaces} workspaces, one destination)`,
    notes: [
      'receiver and worker handlers as deployed, against local SQS, dynalite and the Secrets Manager fake;',
      'log bytes are the Powertools lines as CloudWatch would store them (Lambda context added), without',
      "Lambda's own START/END/REPORT lines per invocation; the event source mapping's ReceiveMessage and",
      'DeleteMessage calls depend on its polling (here a test poller), not on the bridge.',
      '',
      `cost model (bench/cost-model.ts) from these numbers; assumed billed durations: receiver ${ASSUMED.receiverMs} ms,`,
      `worker ${ASSUMED.workerMs} ms (a destination answering in about 200 ms), at ${RECEIVER_MEMORY_MB} and ${WORKER_MEMORY_MB} MB; the SQS line`,
      "counts the event source mapping's calls as measured here; a real poller adds idle ReceiveMessage calls:",
      ...costTable.split('\n').map((line) => `  ${line}`),
    ],
    header: ['', 'total', 'per notification'],
    rows,
    checks,
  };
}
