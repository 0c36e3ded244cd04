// The Logger port on Powertools: levels, fields, and keys Powertools would otherwise drop.

import { Logger as Powertools } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { PowertoolsLogger } from '../../lambda/adapters/aws/powertools-logger';

let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

beforeEach(() => {
  // Powertools writes through its own Console on the process streams (not the global console).
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  stdout.mockRestore();
  stderr.mockRestore();
});

const lines = () =>
  [...stdout.mock.calls, ...stderr.mock.calls]
    .map(([chunk]) => String(chunk))
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('PowertoolsLogger', () => {
  it('writes one JSON line per call with level, message, service and the fields', () => {
    const logger = new PowertoolsLogger();
    logger.info('request', { route: 'runs', status: 202 });
    logger.warn('delivery attempt', { outcome: 'retry', attempt: 2 });
    logger.error('request failed', { error: 'queue down' });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'request',
        service: 'tfe-bridge',
        route: 'runs',
        status: 202,
      }),
      expect.objectContaining({ level: 'WARN', message: 'delivery attempt', outcome: 'retry', attempt: 2 }),
      expect.objectContaining({ level: 'ERROR', message: 'request failed', error: 'queue down' }),
    ]);
  });

  it('says which levels it writes, as Powertools decides them (POWERTOOLS_LOG_LEVEL)', () => {
    const levels = ['debug', 'info', 'warn', 'error'] as const;
    // A sample rate of 1 makes every invocation log at DEBUG, whatever the level says.
    const configs = [
      { logLevel: 'DEBUG' },
      { logLevel: 'INFO' },
      { logLevel: 'ERROR' },
      { logLevel: 'ERROR', sampleRateValue: 1 },
    ] as const;
    for (const config of configs) {
      const logger = new PowertoolsLogger(new Powertools({ serviceName: 'tfe-bridge', ...config }));
      stdout.mockClear();
      stderr.mockClear();
      for (const level of levels) logger[level](level);
      const written = lines().map((line) => String(line.message));
      expect(levels.filter((level) => logger.enabled(level))).toEqual(written);
    }
  });

  it('keeps fields whose names Powertools reserves, under a prefixed name', () => {
    new PowertoolsLogger().info('odd fields', { message: 'inner', timestamp: 1, level: 'x' });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'odd fields',
        field_message: 'inner',
        field_timestamp: 1,
        field_level: 'x',
      }),
    ]);
  });
});
