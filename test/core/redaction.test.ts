import { describe, expect, it } from 'vitest';
import { cutText, redact } from '../../lambda/core/redaction';

const TOKEN = 'tok_9f8e7d6c5b4a3928170615243342516071829';

describe('redact', () => {
  it('replaces every occurrence of each secret value', () => {
    expect(redact('token abcd1234 echoed: abcd1234', ['abcd1234'])).toBe('token *** echoed: ***');
  });

  const odd = `${TOKEN}"/+? é`;
  it.each([
    ['as is', odd],
    ['JSON-escaped', JSON.stringify(odd).slice(1, -1)],
    ['percent-encoded', encodeURIComponent(odd)],
    ['form-encoded', new URLSearchParams({ v: odd }).toString().slice(2)],
    ['base64', Buffer.from(odd).toString('base64')],
    ['base64url', Buffer.from(odd).toString('base64url')],
    ['base64 inside a longer value (offset 1)', Buffer.from(`:${odd}!`).toString('base64')],
    ['base64 inside a longer value (offset 2)', Buffer.from(`u:${odd}`).toString('base64')],
    ['base64url inside a longer value (offset 5)', Buffer.from(`user:${odd}`).toString('base64url')],
  ])('masks a secret %s', (_case, form) => {
    const masked = redact(`before ${form} after`, [odd]);
    expect(masked).toMatch(/^before \S*\*\*\*\S* after$/);
    for (let i = 0; i + 12 <= form.length; i++) expect(masked).not.toContain(form.slice(i, i + 12));
  });

  it('masks any 12-character piece of a secret: the start of one cut off by an earlier limit', () => {
    expect(redact(`body ${TOKEN.slice(0, 12)}`, [TOKEN])).toBe('body ***');
    expect(redact(`${TOKEN.slice(-20)} tail`, [TOKEN])).toBe('*** tail');
    expect(redact(`body ${TOKEN.slice(0, 11)}`, [TOKEN])).toBe(`body ${TOKEN.slice(0, 11)}`);
  });

  const STORED = 'HTTPS://Hooks.Example.com:443/services/T0/B0/XXXXXXXXXXXX?sig=abc%2Fdef';
  it.each([
    ['the stored string', STORED, 'HTTPS://Hooks.Example.com:443/***'],
    [
      'the normalised URL',
      'https://hooks.example.com/services/T0/B0/XXXXXXXXXXXX?sig=abc%2Fdef',
      'https://hooks.example.com/***',
    ],
    ['the path alone (Express 404)', 'Cannot POST /services/T0/B0/XXXXXXXXXXXX', 'Cannot POST /***'],
    ['the query alone', 'got sig=abc%2Fdef', 'got ***'],
    ['the decoded query', 'got sig=abc/def', 'got ***'],
    [
      'the URL percent-encoded',
      encodeURIComponent('https://hooks.example.com/services/T0/B0/XXXXXXXXXXXX'),
      'https%3A%2F%2Fhooks.example.com%2F***',
    ],
  ])("masks a secret URL's path and query in %s, keeping the host", (_case, text, expected) => {
    expect(redact(text, [STORED])).toBe(expected);
  });

  it('masks the credentials of a secret URL', () => {
    expect(redact('user svc, password hunter2-pw', ['https://svc:hunter2-pw@h.example/x/y/z'])).toBe(
      'user ***, password ***',
    );
  });

  it.each([
    ['after Bearer', 'Bearer xyz', ['xyz'], 'Bearer ***'],
    ['as a JSON string', '{"key":"xyz"}', ['xyz'], '{"key":"***"}'],
    ['bounded by punctuation', 'key=xyz&x=1', ['xyz'], 'key=***&x=1'],
    ['not inside a word', 'xyzzy and axyz', ['xyz'], 'xyzzy and axyz'],
    ['one character after Basic', 'Basic a', ['a'], 'Basic ***'],
    ['one character as a JSON string', 'this is a test {"k":"a"}', ['a'], 'this is a test {"k":"***"}'],
    ['one character as the whole text', 'a', ['a'], '***'],
    ['not one character between spaces', 'it is a test, a.', ['a'], 'it is a test, a.'],
  ])('masks a short secret only where it stands as a token: %s', (_case, text, secrets, expected) => {
    expect(redact(text, secrets)).toBe(expected);
  });

  it('ignores empty and blank values instead of masking every gap', () => {
    expect(redact('a b c', ['', '  '])).toBe('a b c');
  });

  it('joins overlapping and touching masks into one', () => {
    expect(redact(`${TOKEN}${TOKEN}`, [TOKEN])).toBe('***');
  });
});

describe('cutText', () => {
  it('masks before it cuts, so a secret across the cut leaves nothing', () => {
    const text = `${'p'.repeat(20)}${TOKEN}${'q'.repeat(50)}`;
    expect(cutText(text, 30, [TOKEN])).toBe(`${'p'.repeat(20)}***qqqqqq…`);
  });

  it('never cuts a surrogate pair in half, and leaves short text alone', () => {
    expect(cutText('ab😀cd', 4)).toBe('ab…');
    expect(cutText('short', 10)).toBe('short');
  });
});
