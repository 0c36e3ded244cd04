// Builds a Lambda handler's dependencies on the first invocation and reuses them afterwards, so
// importing an entry module (tests, tools) reads no environment and opens no clients.
import type { Context } from 'aws-lambda';

export type LambdaHandler<E, R> = (event: E, context: Context) => Promise<R>;

export function lazyHandler<E, R>(build: () => Promise<LambdaHandler<E, R>>): LambdaHandler<E, R> {
  let ready: Promise<LambdaHandler<E, R>> | undefined;
  return async (event, context) => {
    // A failed build (bad environment) is not cached: the error shows on every invocation
    // until the environment is fixed, and a transient failure can recover.
    ready ??= build().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return (await ready)(event, context);
  };
}
