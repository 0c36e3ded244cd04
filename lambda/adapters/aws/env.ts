// The Lambda functions' environment, read and validated once at init: the bridge config (inlined
// at build time), the queue URLs and the secret cache TTL. A bad deploy fails with every problem
// named, instead of on the first webhook.
import * as z from 'zod';
import { parseConfig } from '../../core/config/parse';
import type { BridgeConfig } from '../../core/config/schema';
import { ConfigError } from '../../core/errors';

export type EnvSource = Readonly<Record<string, string | undefined>>;

export interface ReceiverEnv {
  config: BridgeConfig;
  queueUrl: string;
  secretCacheTtlMs: number | undefined;
  /** The replay guard's DynamoDB table (infra sets it when the config enables the guard). */
  replayGuardTable: string | undefined;
}

export interface WorkerEnv extends ReceiverEnv {
  deadLetterQueueUrl: string;
  /** Job progress, destination guards and held messages, shared by every worker container. */
  deliveryStateTable: string;
}

/** A Lambda environment that cannot work; `problems` has one "VAR: what is wrong" line each. */
export class LambdaEnvError extends Error {
  override name = 'LambdaEnvError';
  constructor(readonly problems: string[]) {
    super(`the tfe-bridge Lambda environment is not usable:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * The variables this module reads. Each is a literal `process.env.NAME` member expression on
 * purpose: infra inlines the config with esbuild `define` of `process.env.TFE_BRIDGE_CONFIG_JSON`,
 * which only replaces that exact expression (not `process.env[name]` or a destructuring).
 */
export function lambdaEnvSource(): EnvSource {
  return {
    TFE_BRIDGE_CONFIG_JSON: process.env.TFE_BRIDGE_CONFIG_JSON,
    QUEUE_URL: process.env.QUEUE_URL,
    DEAD_LETTER_QUEUE_URL: process.env.DEAD_LETTER_QUEUE_URL,
    SECRET_CACHE_TTL_MS: process.env.SECRET_CACHE_TTL_MS,
    REPLAY_GUARD_TABLE: process.env.REPLAY_GUARD_TABLE,
    DELIVERY_STATE_TABLE: process.env.DELIVERY_STATE_TABLE,
  };
}

const required = (name: string) =>
  z
    .string({ error: `${name} is not set` })
    .trim()
    .min(1, `${name} is empty`);
const queueUrl = (name: string) => required(name).pipe(z.url({ error: `${name} must be a URL` }));

const envSchema = z.object({
  TFE_BRIDGE_CONFIG_JSON: required('TFE_BRIDGE_CONFIG_JSON'),
  QUEUE_URL: queueUrl('QUEUE_URL'),
  DEAD_LETTER_QUEUE_URL: queueUrl('DEAD_LETTER_QUEUE_URL').optional(),
  SECRET_CACHE_TTL_MS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'SECRET_CACHE_TTL_MS must be a whole number of milliseconds')
    .transform(Number)
    .optional(),
  REPLAY_GUARD_TABLE: required('REPLAY_GUARD_TABLE').optional(),
  DELIVERY_STATE_TABLE: required('DELIVERY_STATE_TABLE').optional(),
});

function parseBridgeConfig(json: string): BridgeConfig {
  let input: unknown;
  try {
    input = JSON.parse(json);
  } catch (error) {
    throw new LambdaEnvError([`TFE_BRIDGE_CONFIG_JSON: not valid JSON (${(error as Error).message})`]);
  }
  try {
    return parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new LambdaEnvError(error.problems.map((problem) => `TFE_BRIDGE_CONFIG_JSON: ${problem}`));
    }
    throw error;
  }
}

function read(source: EnvSource, worker: boolean) {
  const result = envSchema.safeParse(source);
  const problems = result.success ? [] : result.error.issues.map((issue) => issue.message);
  for (const name of worker ? (['DEAD_LETTER_QUEUE_URL', 'DELIVERY_STATE_TABLE'] as const) : []) {
    if (source[name] === undefined) problems.push(`${name} is not set`);
  }
  if (!result.success || problems.length > 0) throw new LambdaEnvError(problems);
  const env = result.data;
  const receiver: ReceiverEnv = {
    config: parseBridgeConfig(env.TFE_BRIDGE_CONFIG_JSON),
    queueUrl: env.QUEUE_URL,
    secretCacheTtlMs: env.SECRET_CACHE_TTL_MS,
    replayGuardTable: env.REPLAY_GUARD_TABLE,
  };
  return {
    receiver,
    deadLetterQueueUrl: env.DEAD_LETTER_QUEUE_URL,
    deliveryStateTable: env.DELIVERY_STATE_TABLE,
  };
}

export function readReceiverEnv(source: EnvSource = lambdaEnvSource()): ReceiverEnv {
  const { receiver } = read(source, false);
  if (receiver.config.replayGuard && receiver.replayGuardTable === undefined) {
    throw new LambdaEnvError(['REPLAY_GUARD_TABLE is not set, but the config enables replayGuard']);
  }
  return receiver;
}

export function readWorkerEnv(source: EnvSource = lambdaEnvSource()): WorkerEnv {
  const { receiver, deadLetterQueueUrl, deliveryStateTable } = read(source, true);
  // read() has already reported them missing.
  if (deadLetterQueueUrl === undefined || deliveryStateTable === undefined) {
    throw new LambdaEnvError(['DEAD_LETTER_QUEUE_URL or DELIVERY_STATE_TABLE is not set']);
  }
  return { ...receiver, deadLetterQueueUrl, deliveryStateTable };
}
