// What the Lambda runtime gives a deployed handler in tests: an invocation context, the process
// environment it is configured by, and stdout, where its JSON log lines and EMF documents go.
import type { Context } from 'aws-lambda';
import type { MockInstance } from 'vitest';

/** An invocation context shaped like the one the runtime passes to `functionName`'s handler. */
export const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: crypto.randomUUID(),
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/11/24/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** Sets each variable (or removes it, for undefined); returns what puts the previous values back. */
export function replaceEnv(values: Record<string, string | undefined>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const apply = (next: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(next)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(values);
  return () => apply(saved);
}

/** Every JSON line written through the spied `process.stdout.write` since its last clear. */
export function stdoutJsonLines(
  stdout: MockInstance<typeof process.stdout.write>,
): Array<Record<string, unknown>> {
  return stdout.mock.calls
    .map(([chunk]) => String(chunk))
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
