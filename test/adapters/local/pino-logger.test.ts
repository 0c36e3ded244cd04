// The local logger: the JSON line keeps its shape (message first, then the fields), levels filter,
// and the readable form for a terminal cannot be steered by hostile text.
import { describe, expect, it, vi } from 'vitest';
import { createLocalLogger, type LogLevel } from '../../../lambda/adapters/local/pino-logger';

function capture(options: { level?: LogLevel; pretty?: boolean } = {}) {
  const lines: string[] = [];
  const logger = createLocalLogger({ ...options, stream: { write: (line) => lines.push(line) } });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('JSON lines (not a terminal)', () => {
  it('writes level, ISO time, the message and then the fields, one line per call', () => {
    const { logger, lines, parsed } = capture();
    logger.info('listening', { url: 'http://127.0.0.1:8787', store: '.tfe-bridge/bridge.db' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\{"level":"info","time":"[^"]+","message":"listening","url":"http:\/\/127\.0\.0\.1:8787",/,
    );
    expect(lines[0]?.endsWith('}\n')).toBe(true);
    const [line] = parsed();
    expect(Object.keys(line ?? {})).toEqual(['level', 'time', 'message', 'url', 'store']);
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it('stamps each line with the time it was written, to the millisecond', () => {
    vi.useFakeTimers({ now: new Date('2026-12-01T02:00:00.000Z'), toFake: ['Date'] });
    try {
      const { logger, parsed } = capture();
      logger.info('first');
      logger.info('same millisecond');
      vi.setSystemTime(new Date('2026-12-01T02:00:00.001Z'));
      logger.info('a millisecond later');
      vi.setSystemTime(new Date('2026-12-01T03:04:05.678Z'));
      logger.info('an hour later');
      expect(parsed().map((line) => line.time)).toEqual([
        '2026-12-01T02:00:00.000Z',
        '2026-12-01T02:00:00.000Z',
        '2026-12-01T02:00:00.001Z',
        '2026-12-01T03:04:05.678Z',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('says which levels it writes', () => {
    const levels = ['debug', 'info', 'warn', 'error'] as const;
    const { logger, parsed } = capture({ level: 'warn' });
    for (const level of levels) logger[level](level);
    expect(levels.filter((level) => logger.enabled(level))).toEqual(parsed().map((line) => line.message));
  });

  it('keeps fields as JSON.stringify would: nulls, nested values, an Error without its stack', () => {
    const { logger, parsed } = capture();
    logger.warn('delivery attempt', {
      status: null,
      skipped: undefined,
      nested: { a: [1, 'two'] },
      err: new Error('secret-looking stack'),
    });
    expect(parsed()).toEqual([
      expect.objectContaining({ level: 'warn', status: null, nested: { a: [1, 'two'] }, err: {} }),
    ]);
    expect(parsed()[0]).not.toHaveProperty('skipped');
  });

  it('escapes hostile text: one line per call whatever the fields hold', () => {
    const { logger, lines, parsed } = capture();
    logger.error('request', {
      path: '/hooks/x\n{"level":"info","message":"forged"}\u001b[2J',
      big: 'x'.repeat(100_000),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.split('\n')).toHaveLength(2);
    expect(parsed()[0]?.path).toBe('/hooks/x\n{"level":"info","message":"forged"}\u001b[2J');
  });

  it.each<[LogLevel, string[]]>([
    ['trace', ['debug', 'info', 'warn', 'error']],
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
    ['silent', []],
  ])('at level %s writes %j', (level, written) => {
    const { logger, parsed } = capture({ level });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(parsed().map((line) => line.level)).toEqual(written);
  });
});

describe('readable lines (a terminal)', () => {
  it('prints time, level, message and the fields as JSON on one line', () => {
    const { logger, lines } = capture({ pretty: true });
    logger.warn('dead-lettered', { route: 'demo', reason: 'exhausted' });
    expect(lines).toEqual([
      expect.stringMatching(
        /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: dead-lettered \{"route":"demo","reason":"exhausted"\}\n$/,
      ),
    ]);
  });

  it('strips control characters from the message and escapes them in fields', () => {
    const { logger, lines } = capture({ pretty: true });
    // An OSC sequence (sets the terminal title) and a colour code, as a request path could carry.
    logger.info('request \u001b]0;pwned\u0007', { path: '/hooks/\u001b[31mred' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\u001b');
    expect(lines[0]).not.toContain('\u0007');
    expect(lines[0]).toContain('"path":"/hooks/\\u001b[31mred"');
  });
});
