import { describe, expect, it } from 'vitest';
import { InvalidSecretError } from '../../lambda/core/errors';
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
      'secret "s" is not JSON, so jsonKey cannot be read: store a JSON object, or drop jsonKey "k" from the config',
    ],
    [
      'a missing key',
      '{"a":"b"}',
      { secretId: 's', jsonKey: 'k' },
      'secret "s" has no string key "k": add it to the secret, or fix jsonKey in the config',
    ],
    [
      'a key only an object prototype has',
      '{"a":"b"}',
      { secretId: 's', jsonKey: 'constructor' },
      'secret "s" has no string key "constructor": add it to the secret, or fix jsonKey in the config',
    ],
    [
      'an object without jsonKey',
      { a: 'b' },
      { secretId: 's' },
      'secret "s" holds JSON: set jsonKey to pick a value',
    ],
  ])(
    'explains %s as a permanent InvalidSecretError, without printing the value',
    (_case, raw, ref, message) => {
      let error: unknown;
      try {
        selectSecretValue(raw, ref);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InvalidSecretError);
      expect(error).toMatchObject({ message, secretId: 's' });
    },
  );
});

describe('redact', () => {
  it('replaces every occurrence of each secret value', () => {
    expect(redact('token abcd1234 echoed: abcd1234', ['abcd1234'])).toBe('token *** echoed: ***');
  });
});
