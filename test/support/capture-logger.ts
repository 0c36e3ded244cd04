// A Logger that keeps entries for assertions (and for grepping for leaked secrets).
import type { LogFields, Logger } from '../../lambda/core/ports';

export interface LogEntry extends LogFields {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export class CaptureLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(message: string, fields: LogFields = {}): void {
    this.entries.push({ ...fields, level: 'debug', message });
  }
  info(message: string, fields: LogFields = {}): void {
    this.entries.push({ ...fields, level: 'info', message });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.entries.push({ ...fields, level: 'warn', message });
  }
  error(message: string, fields: LogFields = {}): void {
    this.entries.push({ ...fields, level: 'error', message });
  }

  withMessage(message: string): LogEntry[] {
    return this.entries.filter((entry) => entry.message === message);
  }

  text(): string {
    return this.entries.map((entry) => JSON.stringify(entry)).join('\n');
  }
}
