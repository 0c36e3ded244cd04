// Runs in a fresh `node` process (bundled to plain JS first): imports a bundled Lambda handler,
// calls it once like the Lambda runtime would, and prints the timings as one line of JSON.
import { pathToFileURL } from 'node:url';

export const PROBE_RESULT_PREFIX = 'BENCH_PROBE ';

export interface ProbeResult {
  /** Milliseconds since the process started (performance.timeOrigin) at each step. */
  bootedMs: number;
  importedMs: number;
  answeredMs: number;
  status: number | null;
}

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number } | undefined>;

/** What the Lambda runtime passes as `context` (only the fields handlers read). */
function lambdaContext(): Record<string, unknown> {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'tfe-bridge-receiver',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:tfe-bridge-receiver',
    memoryLimitInMB: '512',
    awsRequestId: '11111111-2222-3333-4444-555555555555',
    logGroupName: '/aws/lambda/tfe-bridge-receiver',
    logStreamName: '2026/11/24/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

async function probe(): Promise<void> {
  const bootedMs = performance.now();
  const handlerPath = process.env.BENCH_HANDLER_PATH;
  if (!handlerPath) throw new Error('BENCH_HANDLER_PATH is not set');
  const module = (await import(pathToFileURL(handlerPath).href)) as { handler: Handler };
  const importedMs = performance.now();
  const event = process.env.BENCH_EVENT;
  // Without an event the probe measures the import alone (the worker needs queued jobs to run).
  const result = event ? await module.handler(JSON.parse(event), lambdaContext()) : undefined;
  const answeredMs = performance.now();
  const line: ProbeResult = { bootedMs, importedMs, answeredMs, status: result?.statusCode ?? null };
  process.stdout.write(`${PROBE_RESULT_PREFIX}${JSON.stringify(line)}\n`);
  // SDK clients keep sockets open; Lambda would freeze the process here, we end it.
  process.exit(0);
}

if (process.env.BENCH_HANDLER_PATH) await probe();
