// Whatever the secret and wherever a text is cut, no 12-character piece of a secret survives
// masking: the rule that keeps a token prefix out of logs and dead letters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutText, redact, SECRET_PIECE_CHARS } from '../../lambda/core/redaction';

const secret = fc.string({ minLength: SECRET_PIECE_CHARS, maxLength: 60, unit: 'grapheme-ascii' });
const filler = fc.string({ maxLength: 300 });

const pieces = (value: string) =>
  Array.from({ length: value.length - SECRET_PIECE_CHARS + 1 }, (_, i) =>
    value.slice(i, i + SECRET_PIECE_CHARS),
  );

describe('redaction properties', () => {
  it('cutText leaves no piece of a secret, wherever the cut falls', () => {
    fc.assert(
      fc.property(secret, filler, filler, fc.nat(400), (value, before, after, max) => {
        const out = cutText(`${before}${value}${after}`, max + 1, [value]);
        for (const piece of pieces(value)) expect(out).not.toContain(piece);
      }),
    );
  });

  it('redact leaves no piece of a secret in text cut before it reached us, at either end', () => {
    fc.assert(
      fc.property(secret, filler, fc.nat(60), fc.nat(60), (value, around, keep, drop) => {
        const out = redact(`${around}${value.slice(0, keep)}\n${value.slice(drop)}${around}`, [value]);
        for (const piece of pieces(value)) expect(out).not.toContain(piece);
      }),
    );
  });
});
