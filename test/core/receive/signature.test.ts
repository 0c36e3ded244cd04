import { describe, expect, it } from 'vitest';
import { SignatureError } from '../../../lambda/core/errors';
import { readSignatureHeader, signBody, verifySignature } from '../../../lambda/core/receive/signature';
import { fixture } from '../../support/fixtures';

const body = new TextEncoder().encode(fixture('tfe-run-completed-captured'));
const secret = 'bfa620013597e9c30c179037ad74527a4956a561';

describe('verifySignature', () => {
  it('accepts the lowercase hex HMAC-SHA512 of the exact bytes, as Ruby OpenSSL::HMAC.hexdigest computes it', () => {
    const signature = signBody(body, secret);
    expect(signature).toMatch(/^[0-9a-f]{128}$/);
    expect(verifySignature(body, signature, [secret])).toBe(0);
  });

  it('rejects a signature of the re-serialised JSON (what hand-written receivers get wrong)', () => {
    const pretty = new TextEncoder().encode(fixture('tfe-run-planned'));
    const reserialised = JSON.stringify(JSON.parse(fixture('tfe-run-planned')));
    expect(() => verifySignature(pretty, signBody(reserialised, secret), [secret])).toThrow(SignatureError);
  });

  it('tells which of several secrets matched (token rotation)', () => {
    expect(verifySignature(body, signBody(body, 'new-token'), ['old-token', 'new-token'])).toBe(1);
  });

  it.each([
    ['missing', undefined, /missing signature header/],
    ['empty (no token on the configuration)', '', /empty signature header/],
    ['not hex', 'z'.repeat(128), /malformed/],
    ['too short', 'ab'.repeat(10), /malformed/],
    ['too long', 'ab'.repeat(65), /malformed/],
    ['from another secret', signBody(body, 'other'), /does not match/],
    ['for another body', signBody('{}', secret), /does not match/],
  ])('rejects a signature that is %s', (_case, signature, message) => {
    expect(() => verifySignature(body, signature, [secret])).toThrow(message);
  });

  it.each([
    ['empty', ''],
    ['blank', '  \n'],
  ])('never verifies with an %s key, which anyone can sign with', (_case, key) => {
    expect(() => verifySignature(body, signBody(body, key), [key])).toThrow(/does not match/);
    expect(verifySignature(body, signBody(body, secret), [key, secret])).toBe(1);
  });

  it('accepts uppercase hex and surrounding whitespace', () => {
    expect(verifySignature(body, ` ${signBody(body, secret).toUpperCase()} `, [secret])).toBe(0);
  });
});

describe('readSignatureHeader', () => {
  it.each([
    ['x-tfe-notification-signature', 'tfe'],
    ['x-hcp-webhook-signature', 'hcp'],
  ])('reads %s', (name, value) => {
    expect(readSignatureHeader((header) => (header === name ? value : undefined))).toBe(value);
  });
});
