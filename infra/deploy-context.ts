// The `tfe-bridge:*` context keys, read and checked in one place: an unknown key fails synth with
// the closest known one, a bad value with what is allowed, and a deploy of the example config, of
// plain-http destinations, or one that would rename live queues, needs the user to say so.
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { PROJECT_ROOT } from './lambda-bundling';

export const CONTEXT_PREFIX = 'tfe-bridge:';
export const EXAMPLE_CONFIG_PATH = join(PROJECT_ROOT, 'examples', 'bridge.config.yaml');

/** A context key or its value is wrong; `problems` holds one line each. Printed without a stack. */
export class ContextError extends Error {
  override name = 'ContextError';
  constructor(
    readonly problems: string[],
    heading = 'invalid context',
  ) {
    super(`${heading}:\n  ${problems.join('\n  ')}`);
  }
}

type Parsed<T> = { value: T } | { problem: string };

const bool = (value: unknown): Parsed<boolean> =>
  value === true || value === 'true'
    ? { value: true }
    : value === false || value === 'false'
      ? { value: false }
      : { problem: 'must be true or false' };

const matching =
  (pattern: RegExp, rule: string) =>
  (value: unknown): Parsed<string> =>
    typeof value === 'string' && pattern.test(value) ? { value } : { problem: rule };

const integer =
  (min: number, max: number) =>
  (value: unknown): Parsed<number> => {
    const number = typeof value === 'number' ? value : Number(value);
    return typeof value !== 'boolean' && Number.isInteger(number) && number >= min && number <= max
      ? { value: number }
      : { problem: `must be an integer from ${min} to ${max}` };
  };

/** Queue and function names carry the prefix: `<prefix>-dead-letters.fifo` must fit SQS's 80
 *  characters and `<prefix>-receiver` Lambda's 64, in the characters both allow. */
const NAME_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const NAME_PREFIX_RULE = 'must be 1-40 letters, digits, "-" or "_", starting with a letter or digit';

/** POWERTOOLS_LOG_LEVEL of both functions; `debug` adds the receiver's line per request. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Lambda's cap for one function's reserved concurrency is the account quota less 100; 0 skips. */
const reservedConcurrency = (value: unknown): Parsed<number> =>
  value === 'none' ? { value: 0 } : integer(0, 10_000)(value);

const PARSERS = {
  config: matching(/\S/, 'must be a file path'),
  stackName: matching(
    /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
    'must be a CloudFormation stack name: a letter, then up to 127 letters, digits or "-"',
  ),
  alarmEmail: matching(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address'),
  namePrefix: matching(NAME_PREFIX, NAME_PREFIX_RULE),
  createSecrets: bool,
  receiverReservedConcurrency: (value: unknown) => {
    const parsed = reservedConcurrency(value);
    return 'problem' in parsed ? { problem: `${parsed.problem}, or none (0 and none skip it)` } : parsed;
  },
  workerMaxConcurrency: integer(2, 1000),
  retainQueues: bool,
  deployedNamePrefix: (value: unknown): Parsed<string> =>
    value === 'none' ? { value: 'none' } : matching(NAME_PREFIX, `${NAME_PREFIX_RULE}, or none`)(value),
  allowExampleConfig: bool,
  allowInsecureHttp: bool,
  logLevel: (value: unknown): Parsed<LogLevel> =>
    typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)
      ? { value: value as LogLevel }
      : { problem: `must be one of ${LOG_LEVELS.join(', ')}` },
  deadLetterArchiveDays: (value: unknown): Parsed<number> => {
    if (value === 'none') return { value: 0 };
    const parsed = integer(1, 3650)(value);
    return 'problem' in parsed ? { problem: `${parsed.problem}, or none (no archive)` } : parsed;
  },
} as const;

type Key = keyof typeof PARSERS;
export const CONTEXT_KEYS = Object.keys(PARSERS) as Key[];

export type DeployContext = {
  -readonly [K in Key]?: Extract<ReturnType<(typeof PARSERS)[K]>, { value: unknown }>['value'];
};

/**
 * Reads every `tfe-bridge:*` key of `all` (the app's whole context). Unset and empty values are
 * left out. Throws ContextError listing every unknown key and bad value at once.
 */
export function readDeployContext(all: Record<string, unknown>): DeployContext {
  const context: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [fullKey, value] of Object.entries(all)) {
    if (!fullKey.startsWith(CONTEXT_PREFIX)) continue;
    const key = fullKey.slice(CONTEXT_PREFIX.length);
    if (!(CONTEXT_KEYS as string[]).includes(key)) {
      problems.push(`${fullKey}: unknown context key${suggestion(key)}`);
      continue;
    }
    if (value === undefined || value === null || value === '') continue;
    const parsed = PARSERS[key as Key](value);
    if ('problem' in parsed) problems.push(`${fullKey}: ${parsed.problem}, got ${JSON.stringify(value)}`);
    else context[key] = parsed.value;
  }
  if (problems.length > 0) throw new ContextError(problems);
  return context as DeployContext;
}

/** ", did you mean tfe-bridge:alarmEmail?" for a near miss, else the list of keys. */
function suggestion(key: string): string {
  const [closest] = CONTEXT_KEYS.map((known) => ({ known, distance: editDistance(key, known) })).sort(
    (a, b) => a.distance - b.distance,
  );
  if (closest && closest.distance <= Math.max(2, Math.floor(closest.known.length / 3))) {
    return `, did you mean ${CONTEXT_PREFIX}${closest.known}?`;
  }
  return ` (known: ${CONTEXT_KEYS.join(', ')})`;
}

/** Levenshtein distance, case-insensitive (a wrong capital is still a near miss). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

const realPath = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

/**
 * What a deploy must not do unless the user says so. synth is the first step of every deploy and
 * the app cannot tell `cdk synth` from `cdk deploy`, so these fail synth too.
 */
export function deploySafetyProblems(
  configPath: string,
  config: BridgeConfig,
  context: DeployContext,
): string[] {
  const problems: string[] = [];
  if (!context.allowExampleConfig && realPath(configPath) === realPath(EXAMPLE_CONFIG_PATH)) {
    problems.push(
      `${CONTEXT_PREFIX}config: ${configPath} is the example config (a http://127.0.0.1 destination and ` +
        `secrets nobody has): pass your own with -c ${CONTEXT_PREFIX}config=FILE, or ` +
        `-c ${CONTEXT_PREFIX}allowExampleConfig=true to synthesize the example anyway`,
    );
  }
  const insecure = config.routes.filter((route) => route.allowInsecureHttp).map((route) => route.id);
  if (!context.allowInsecureHttp && insecure.length > 0) {
    problems.push(
      `${CONTEXT_PREFIX}allowInsecureHttp: route(s) ${insecure.join(', ')} set allowInsecureHttp, so ` +
        'notifications and destination credentials may travel unencrypted: use https, or confirm with ' +
        `-c ${CONTEXT_PREFIX}allowInsecureHttp=true`,
    );
  }
  problems.push(...renameProblems(context));
  return problems;
}

/**
 * The lock against renaming live queues. A queue's name is fixed at creation: a new namePrefix
 * makes CloudFormation create new, empty queues (the old ones are retained, but nothing reads
 * them any more). Synth cannot see the deployed stack offline, so the user records its prefix in
 * `deployedNamePrefix` (`none` for generated names) and synth compares.
 */
function renameProblems(context: DeployContext): string[] {
  const deployed = context.deployedNamePrefix;
  if (deployed === undefined) return [];
  const wanted = context.namePrefix ?? 'none';
  if (deployed === wanted) return [];
  const names = (prefix: string) =>
    prefix === 'none' ? 'generated names' : `"${prefix}-jobs.fifo" and "${prefix}-dead-letters.fifo"`;
  return [
    `${CONTEXT_PREFIX}namePrefix: the deployed queues have ${names(deployed)} (${CONTEXT_PREFIX}deployedNamePrefix), ` +
      `this deploy would create new, empty queues with ${names(wanted)}: CloudFormation replaces a queue ` +
      'whose name changes, and the jobs and dead letters in the old ones would no longer be read. ' +
      'Drain the jobs queue and replay or archive the dead letters first, then set ' +
      `-c ${CONTEXT_PREFIX}deployedNamePrefix=${wanted} (docs/deploy.md, "Renaming")`,
  ];
}
