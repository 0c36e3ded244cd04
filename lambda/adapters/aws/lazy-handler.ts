// Builds a Lambda handler's dependencies once and reuses them afterwards. Importing an entry
// module (tests, tools) reads no environment and opens no clients; on Lambda the entries ask for
// an eager build, so the work happens in the init phase (which provisioned concurrency and
// proactive initialisation take off the first request) instead of in the first invocation.
import type { Context } from 'aws-lambda';

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export interface LazyHandlerOptions {
  /** Start building now instead of on the first invocation. */
  eager?: boolean;
}

export function lazyHandler<E, R>(
  build: () => Promise<LambdaHandler<E, R>>,
  options: LazyHandlerOptions = {},
): LambdaHandler<E, R> {
  let ready: Promise<LambdaHandler<E, R>> | undefined;
  const start = () => {
    // A failed build (bad environment) is not cached: the error shows on every invocation
    // until the environment is fixed, and a transient failure can recover.
    ready ??= build().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  // An eager build that fails is retried, and its error thrown, by the first invocation.
  if (options.eager) start().catch(() => undefined);
  return async (event, context) => (await start())(event, context);
}

/** True inside a Lambda execution environment. */
export const onLambda = (): boolean => process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
