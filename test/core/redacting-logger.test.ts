// Every line through the logger port is masked: the message, nested field texts, arrays; a
// re-read secrets file (a new array of values) is picked up; hostile nesting does not blow up.
import { describe, expect, it } from 'vitest';
import { RedactingLogger } from '../../lambda/core/redacting-logger';
import { CaptureLogger } from '../support/capture-logger';

const TOKEN = 'tok-0123456789abcdef';

function logger(values: () => readonly string[]) {
  const capture = new CaptureLogger();
  return { capture, redacting: new RedactingLogger(capture, values) };
}

describe('RedactingLogger', () => {
  it('masks a secret in the message and anywhere in the fields, at every level', () => {
    const values = [TOKEN];
    const { capture, redacting } = logger(() => values);
    redacting.debug(`d ${TOKEN}`);
    redacting.info('request', { path: `/hooks/${TOKEN}`, nested: { list: [`Bearer ${TOKEN}`, 3] } });
    redacting.warn('w', { encoded: encodeURIComponent(`a/${TOKEN}`) });
    redacting.error('e', { piece: TOKEN.slice(2, 16), count: 2, none: null });
    const text = JSON.stringify(capture.entries);
    expect(text).not.toContain(TOKEN.slice(2, 16));
    expect(capture.entries).toEqual([
      { level: 'debug', message: 'd ***' },
      { level: 'info', message: 'request', path: '/hooks/***', nested: { list: ['Bearer ***', 3] } },
      { level: 'warn', message: 'w', encoded: 'a%2F***' },
      { level: 'error', message: 'e', piece: '***', count: 2, none: null },
    ]);
  });

  it('drops a line its logger would drop without masking it: the secrets are not even asked for', () => {
    const capture = new CaptureLogger();
    const infoAndUp = Object.assign(capture, { enabled: (level: string) => level !== 'debug' });
    let asked = 0;
    const redacting = new RedactingLogger(infoAndUp, () => {
      asked++;
      return [TOKEN];
    });
    redacting.debug('request', { path: `/hooks/${TOKEN}` });
    expect(asked).toBe(0);
    expect(redacting.enabled('debug')).toBe(false);
    redacting.info('request', { path: `/hooks/${TOKEN}` });
    expect(asked).toBe(1);
    expect(capture.entries).toEqual([{ level: 'info', message: 'request', path: '/hooks/***' }]);
  });

  it('follows a re-read secrets file: a new array of values is used from the next line', () => {
    let values: readonly string[] = [];
    const { capture, redacting } = logger(() => values);
    redacting.info(`before ${TOKEN}`);
    values = [TOKEN];
    redacting.info(`after ${TOKEN}`);
    expect(capture.entries.map((entry) => entry.message)).toEqual([`before ${TOKEN}`, 'after ***']);
  });

  it('cuts fields nested deeper than any log line needs instead of walking them', () => {
    const { capture, redacting } = logger(() => [TOKEN]);
    let deep: unknown = TOKEN;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    redacting.info('deep', { deep });
    expect(JSON.stringify(capture.entries)).not.toContain(TOKEN);
  });
});
