import { describe, expect, it } from 'vitest';
import { SecretError } from '../../lambda/core/errors';
import { redact, selectSecretValue } from '../../lambda/core/secrets';

describe('selectSecretValue', () => {
  it.each([
    ['a plain string', 'tok', { secretId: 's' }, 'tok'],
    ['a key of a JSON string', '{"token":"tok"}', { secretId: 's', jsonKey: 'token' }, 'tok'],
    ['a key of an object', { token: 'tok' }, { secretId: 's', jsonKey: 'token' }, 'tok'],
    ['a numeric key value', { port: 443 }, { secretId: 's', jsonKey: 'port' }, '443'],
  ])('reads %s', (_case, raw, ref, expected) => {
    expect(selectSecretValue(raw, ref)).toBe(expected);
  });

  it.each([
    [
      'jsonKey on a non-JSON secret',
      'not json',
      { secretId: 's', jsonKey: 'k' },
      'secret "s" is not JSON, so jsonKey cannot be read',
    ],
    ['a missing key', '{"a":"b"}', { secretId: 's', jsonKey: 'k' }, 'secret "s" has no string key "k"'],
    [
      'an object without jsonKey',
      { a: 'b' },
      { secretId: 's' },
      'secret "s" holds JSON: set jsonKey to pick a value',
    ],
  ])('explains %s without printing the value', (_case, raw, ref, message) => {
    expect(() => selectSecretValue(raw, ref)).toThrow(new SecretError(message, 's', false));
  });
});

describe('redact', () => {
  it('replaces every occurrence of each secret value', () => {
    expect(redact('token abcd1234 echoed: abcd1234', ['abcd1234'])).toBe('token *** echoed: ***');
  });
});
