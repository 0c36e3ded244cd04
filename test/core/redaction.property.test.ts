// Whatever the secret and wherever a text is cut, no 12-character piece of a secret survives
// masking: the rule that keeps a token prefix out of logs and dead letters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cutText, redact, SECRET_PIECE_CHARS, secretMasker } from '../../lambda/core/redaction';

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

  it('the log masker masks exactly as redact does, short texts and short secrets included', () => {
    // 1-3 character secrets are masked only as whole tokens; texts around the shortest spelling's
    // length are where the masker's shortcut (return a shorter text as it is) starts and stops.
    const anySecret = fc.oneof(
      fc.string({ minLength: 1, maxLength: 3 }),
      fc.string({ minLength: 1, maxLength: 40 }),
    );
    const text = fc.oneof(fc.string({ maxLength: 16 }), fc.string({ maxLength: 80, unit: 'grapheme' }));
    fc.assert(
      fc.property(
        fc.array(anySecret, { minLength: 1, maxLength: 3 }),
        text,
        text,
        (values, before, after) => {
          const mask = secretMasker(values);
          for (const sample of [before, `${before}${values[0]}${after}`, `${values[0]}`, `"${values[0]}"`]) {
            expect(mask(sample)).toBe(redact(sample, values));
          }
        },
      ),
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
