// Every log line masked: a Logger that runs the message and each text in its fields through the
// secret masker before the real logger sees them, whatever a caller forgot to mask itself.
import type { LogFields, Logger, LogLevelName } from './ports';
import { secretMasker } from './redaction';

/** Deeper field values are replaced, not walked: no log field is legitimately this nested. */
const MAX_FIELD_DEPTH = 8;

export class RedactingLogger implements Logger {
  private values: readonly string[] | undefined;
  private mask: (text: string) => string = (text) => text;

  /** `secretValues` is asked on every line; a new array (a re-read secrets file) is worked out once. */
  constructor(
    private readonly inner: Logger,
    private readonly secretValues: () => readonly string[],
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  enabled(level: LogLevelName): boolean {
    return this.inner.enabled?.(level) ?? true;
  }

  private write(level: LogLevelName, message: string, fields: LogFields | undefined): void {
    // A line below the level is not masked for nothing (the receiver's debug line per request).
    if (!this.enabled(level)) return;
    this.inner[level](...this.masked(message, fields));
  }

  private masked(message: string, fields: LogFields | undefined): [string, LogFields?] {
    const values = this.secretValues();
    if (values !== this.values) {
      this.values = values;
      this.mask = secretMasker(values);
    }
    if (values.length === 0) return fields === undefined ? [message] : [message, fields];
    return fields === undefined
      ? [this.mask(message)]
      : [this.mask(message), maskValue(fields, this.mask, 0) as LogFields];
  }
}

function maskValue(value: unknown, mask: (text: string) => string, depth: number): unknown {
  if (typeof value === 'string') return mask(value);
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (depth >= MAX_FIELD_DEPTH) return '[nested too deeply]';
  if (Array.isArray(value)) return value.map((item) => maskValue(item, mask, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    out[key] = maskValue((value as Record<string, unknown>)[key], mask, depth + 1);
  }
  return out;
}
