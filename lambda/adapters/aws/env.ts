// The Lambda functions' environment, read and checked once at init: the bridge config (validated
// at synth and written next to the code as config.json, core/config/baked.ts), the queue URLs and
// the secret cache TTL. A bad deploy fails with every problem named, instead of on the first webhook.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBakedConfig } from '../../core/config/baked';
import type { BridgeConfig } from '../../core/config/schema';

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
  /** The dead-letter archive table and its retention in days; undefined when turned off. */
  deadLetterArchive: { table: string; days: number } | undefined;
}

/** A Lambda environment that cannot work; `problems` has one "VAR: what is wrong" line each. */
export class LambdaEnvError extends Error {
  override name = 'LambdaEnvError';
  constructor(readonly problems: string[]) {
    super(`the tfe-bridge Lambda environment is not usable:\n  ${problems.join('\n  ')}`);
  }
}

/** The file cdk synth writes next to each function's bundle (infra/lambda-asset.ts). */
export const BAKED_CONFIG_FILE = 'config.json';

/**
 * The text of BAKED_CONFIG_FILE in `dir` (default: beside this code, which on Lambda is the bundle
 * in /var/task); undefined when there is none. Read once at init: it is a few kilobytes.
 */
export function readBakedConfigFile(dir = dirname(fileURLToPath(import.meta.url))): string | undefined {
  const path = join(dir, BAKED_CONFIG_FILE);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LambdaEnvError([`${path} cannot be read: ${(error as Error).message}`]);
  }
}

/**
 * The variables this module reads. The config comes from TFE_BRIDGE_CONFIG_JSON when set (tests,
 * code run from source), else from the config.json synth put beside the bundle.
 */
export function lambdaEnvSource(): EnvSource {
  return {
    TFE_BRIDGE_CONFIG_JSON: process.env.TFE_BRIDGE_CONFIG_JSON ?? readBakedConfigFile(),
    QUEUE_URL: process.env.QUEUE_URL,
    DEAD_LETTER_QUEUE_URL: process.env.DEAD_LETTER_QUEUE_URL,
    SECRET_CACHE_TTL_MS: process.env.SECRET_CACHE_TTL_MS,
    REPLAY_GUARD_TABLE: process.env.REPLAY_GUARD_TABLE,
    DELIVERY_STATE_TABLE: process.env.DELIVERY_STATE_TABLE,
    DEAD_LETTER_ARCHIVE_TABLE: process.env.DEAD_LETTER_ARCHIVE_TABLE,
    DEAD_LETTER_ARCHIVE_DAYS: process.env.DEAD_LETTER_ARCHIVE_DAYS,
  };
}

// Checked by hand, not with zod: this runs in the receiver's cold start (docs/performance.md).
type Check = (name: string, value: string) => string | undefined;
const isUrl: Check = (name, value) => (URL.canParse(value) ? undefined : `${name} must be a URL`);
const isDays: Check = (name, value) =>
  /^[1-9]\d{0,4}$/.test(value) ? undefined : `${name} must be a whole number of days (1 or more)`;
const isWholeNumber: Check = (name, value) =>
  /^\d+$/.test(value) ? undefined : `${name} must be a whole number of milliseconds`;

/** The trimmed value of `name`; a problem when required and unset, or set but empty or wrong. */
function readVar(
  source: EnvSource,
  name: keyof ReturnType<typeof lambdaEnvSource>,
  problems: string[],
  { required, check }: { required: boolean; check?: Check },
): string | undefined {
  const raw = source[name];
  if (raw === undefined) {
    if (required) problems.push(`${name} is not set`);
    return undefined;
  }
  const value = raw.trim();
  const problem = value === '' ? `${name} is empty` : check?.(name, value);
  if (problem) problems.push(problem);
  return problem ? undefined : value;
}

function read(source: EnvSource, worker: boolean) {
  const problems: string[] = [];
  const configJson = readVar(source, 'TFE_BRIDGE_CONFIG_JSON', problems, { required: false });
  if (source.TFE_BRIDGE_CONFIG_JSON === undefined) {
    problems.push(
      `TFE_BRIDGE_CONFIG_JSON is not set and there is no ${BAKED_CONFIG_FILE} beside the code (cdk synth writes it)`,
    );
  }
  const queueUrl = readVar(source, 'QUEUE_URL', problems, { required: true, check: isUrl });
  const deadLetterQueueUrl = readVar(source, 'DEAD_LETTER_QUEUE_URL', problems, {
    required: worker,
    check: isUrl,
  });
  const ttl = readVar(source, 'SECRET_CACHE_TTL_MS', problems, { required: false, check: isWholeNumber });
  const replayGuardTable = readVar(source, 'REPLAY_GUARD_TABLE', problems, { required: false });
  const deliveryStateTable = readVar(source, 'DELIVERY_STATE_TABLE', problems, { required: worker });
  const archiveTable = readVar(source, 'DEAD_LETTER_ARCHIVE_TABLE', problems, { required: false });
  const archiveDays = readVar(source, 'DEAD_LETTER_ARCHIVE_DAYS', problems, {
    required: archiveTable !== undefined,
    check: isDays,
  });
  const baked = configJson === undefined ? undefined : readBakedConfig(configJson);
  if (baked && !baked.ok) problems.push(`TFE_BRIDGE_CONFIG_JSON: ${baked.problem}`);
  if (problems.length > 0 || !baked?.ok || queueUrl === undefined) throw new LambdaEnvError(problems);
  const receiver: ReceiverEnv = {
    config: baked.config,
    queueUrl,
    secretCacheTtlMs: ttl === undefined ? undefined : Number(ttl),
    replayGuardTable,
  };
  const deadLetterArchive =
    archiveTable === undefined || archiveDays === undefined
      ? undefined
      : { table: archiveTable, days: Number(archiveDays) };
  return { receiver, deadLetterQueueUrl, deliveryStateTable, deadLetterArchive };
}

export function readReceiverEnv(source: EnvSource = lambdaEnvSource()): ReceiverEnv {
  const { receiver } = read(source, false);
  if (receiver.config.replayGuard && receiver.replayGuardTable === undefined) {
    throw new LambdaEnvError(['REPLAY_GUARD_TABLE is not set, but the config enables replayGuard']);
  }
  return receiver;
}

export function readWorkerEnv(source: EnvSource = lambdaEnvSource()): WorkerEnv {
  const { receiver, deadLetterQueueUrl, deliveryStateTable, deadLetterArchive } = read(source, true);
  // read() has already reported them missing.
  if (deadLetterQueueUrl === undefined || deliveryStateTable === undefined) {
    throw new LambdaEnvError(['DEAD_LETTER_QUEUE_URL or DELIVERY_STATE_TABLE is not set']);
  }
  return { ...receiver, deadLetterQueueUrl, deliveryStateTable, deadLetterArchive };
}
