// Local logs: one JSON line per event on stdout (or any sink, for tests).
import type { LogFields, Logger } from '../../core/ports';

export class JsonLogger implements Logger {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line)) {}

  private emit(level: string, message: string, fields?: LogFields): void {
    this.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  }

  debug(message: string, fields?: LogFields): void {
    this.emit('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.emit('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.emit('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.emit('error', message, fields);
  }
}
