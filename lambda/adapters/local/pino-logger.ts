// Local logs on pino: coloured lines for a person at a terminal, JSON lines for a machine otherwise,
// written asynchronously so that a request never waits for its log line to reach the pipe.
import { isatty } from 'node:tty';
import { type DestinationStream, type Logger as Pino, pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFields, Logger, LogLevelName } from '../../core/ports';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';

/** Bytes a stalled log reader may leave waiting; past this, lines are dropped rather than filling memory. */
export const MAX_PENDING_LOG_BYTES = 16 * 1024 * 1024;

export const isLogLevel = (value: string): value is LogLevel =>
  (LOG_LEVELS as readonly string[]).includes(value);

export interface LocalLoggerOptions {
  level?: LogLevel;
  /** The file descriptor written: 1 (stdout, the default) or 2 (stderr). */
  fd?: 1 | 2;
  /** Readable lines instead of JSON; default: when `fd` is a terminal. Coloured in a terminal
   *  unless NO_COLOR is set (no-color.org). */
  pretty?: boolean;
  /** Write each line before returning: for short commands whose other output shares the stream,
   *  so the order on screen is the order of events. Default false. */
  sync?: boolean;
  /** Tests: where the lines go instead of `fd`. */
  stream?: DestinationStream;
}

export class PinoLogger implements Logger {
  constructor(readonly pino: Pino) {}

  enabled(level: LogLevelName): boolean {
    return this.pino.isLevelEnabled(level);
  }

  // The message goes first, then the fields, as the JSON logger before pino wrote them: people and
  // scripts read `"message":"listening","url":…`. A field named `message` replaces it, as before.
  debug(message: string, fields?: LogFields): void {
    this.pino.debug({ message, ...fields });
  }

  info(message: string, fields?: LogFields): void {
    this.pino.info({ message, ...fields });
  }

  warn(message: string, fields?: LogFields): void {
    this.pino.warn({ message, ...fields });
  }

  error(message: string, fields?: LogFields): void {
    this.pino.error({ message, ...fields });
  }
}

export function createLocalLogger(options: LocalLoggerOptions = {}): PinoLogger {
  const fd = options.fd ?? 1;
  const terminal = options.stream === undefined && isatty(fd);
  const colour = terminal && !process.env.NO_COLOR;
  const out = options.stream ?? openDestination(fd, options.sync ?? false);
  return new PinoLogger(
    pino(
      {
        level: options.level ?? DEFAULT_LOG_LEVEL,
        messageKey: 'message',
        // The line as it always was: `"level":"info"`, an ISO time, no pid or hostname.
        base: null,
        timestamp: isoTimeOncePerMillisecond(),
        formatters: { level: (label) => ({ level: label }) },
        // Fields are written as JSON.stringify writes them: pino's default `err` serializer would
        // add an Error's stack, which no log line carried before.
        serializers: { err: (value: unknown) => value },
      },
      (options.pretty ?? terminal) ? prettyStream(out, colour) : out,
    ),
  );
}

/**
 * pino's `isoTime` (`,"time":"2026-12-01T02:00:00.000Z"`), built once per millisecond: at a few
 * thousand lines a second, `toISOString` on every line was 3% of the receiver's CPU.
 */
function isoTimeOncePerMillisecond(): () => string {
  let at = Number.NaN;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== at) {
      at = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/** `12:00:01.234 INFO: request {"route":"demo",…}`: control characters in the message are
 *  stripped and fields stay JSON, so hostile text cannot drive the terminal. */
function prettyStream(out: DestinationStream, colorize: boolean): DestinationStream {
  const prettify = prettyFactory({
    colorize,
    messageKey: 'message',
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
  });
  return { write: (line) => out.write(prettify(line)) };
}

function openDestination(fd: 1 | 2, sync: boolean): DestinationStream {
  // pino's destination flushes what is left on exit and stops writing after EPIPE (a reader that
  // went away); any other write error is dropped too: logging is never worth a crash.
  const destination = pino.destination({ dest: fd, sync, maxLength: MAX_PENDING_LOG_BYTES });
  destination.on('error', () => undefined);
  return destination;
}
