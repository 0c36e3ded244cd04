// The Logger port on Powertools for AWS Lambda: one structured JSON line per call in CloudWatch,
// with the service name, cold start and (once a Lambda context is added) the request id.
import { LogLevelThreshold, Logger as Powertools } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { LogFields, Logger, LogLevelName } from '../../core/ports';
import { RedactingLogger } from '../../core/redacting-logger';

export const SERVICE_NAME = 'tfe-bridge';

const LEVEL_THRESHOLDS: Readonly<Record<LogLevelName, number>> = {
  debug: LogLevelThreshold.DEBUG,
  info: LogLevelThreshold.INFO,
  warn: LogLevelThreshold.WARN,
  error: LogLevelThreshold.ERROR,
};

/** Keys Powertools owns: it drops them (and logs a warning about it) if a caller passes them. */
const RESERVED_KEYS = new Set(['level', 'message', 'sampling_rate', 'service', 'timestamp']);

function safeFields(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields))
    out[RESERVED_KEYS.has(key) ? `field_${key}` : key] = value;
  return out;
}

export class PowertoolsLogger implements Logger {
  /** Log level and sampling come from POWERTOOLS_LOG_LEVEL etc., as Powertools documents. An
   *  instance given here must not buffer logs: `enabled` would drop what a buffer keeps. */
  constructor(readonly powertools: Powertools = new Powertools({ serviceName: SERVICE_NAME })) {}

  /** Adds the invocation's request id and function name to every following line. */
  addContext(context: Context): void {
    this.powertools.addContext(context);
  }

  /** Powertools' level for this invocation, sampling included (no log buffer is configured, so
   *  a line below it is dropped, not kept for later). */
  enabled(level: LogLevelName): boolean {
    return LEVEL_THRESHOLDS[level] >= this.powertools.level;
  }

  debug(message: string, fields?: LogFields): void {
    this.powertools.debug(message, safeFields(fields));
  }

  info(message: string, fields?: LogFields): void {
    this.powertools.info(message, safeFields(fields));
  }

  warn(message: string, fields?: LogFields): void {
    this.powertools.warn(message, safeFields(fields));
  }

  error(message: string, fields?: LogFields): void {
    this.powertools.error(message, safeFields(fields));
  }
}

/**
 * The Lambda functions' logger: every line through the secret masker (core/redacting-logger.ts)
 * before Powertools writes it to CloudWatch, masking each value the secret store has read. The
 * store takes this logger too, so it is told afterwards which store to ask (`maskWith`).
 */
export function createMaskedLogger(powertools: PowertoolsLogger = new PowertoolsLogger()): {
  logger: Logger;
  maskWith: (store: { knownValues(): readonly string[] }) => void;
} {
  let known: () => readonly string[] = () => NONE;
  return {
    logger: new RedactingLogger(powertools, () => known()),
    maskWith: (store) => {
      known = () => store.knownValues();
    },
  };
}

const NONE: readonly string[] = [];
