// Masking secret values in text the bridge prints or keeps (error snippets, logs, dead letters,
// `render`), and cutting such text to a length. Every cut of text that may hold a secret goes
// through cutText: mask first, then cut, so a cut never leaves a secret's first part behind.

export const MASK = '***';
/** Any piece of a secret this long is masked on its own: text cut before it reached us (a
 *  response read only up to a limit) may hold only the start of a secret. */
export const SECRET_PIECE_CHARS = 12;
/** Shorter values are masked only where they stand as a whole token (after `Bearer `, as a
 *  quoted string, between punctuation): anywhere else they would mask parts of ordinary words. */
export const SHORT_SECRET_CHARS = 4;

const WORD_CHAR = /[A-Za-z0-9_]/;
const SPACE_OR_WORD = /[\sA-Za-z0-9_]/;
const AUTH_SCHEME_BEFORE = /(?:^|[^A-Za-z0-9_])(?:bearer|basic|token)\s+$/i;
const HTTP_URL = /^\s*https?:\/\/[^/?#]*/i;

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The parts of a secret URL worth hiding: path and query in every spelling (as stored, as
 *  `new URL()` normalises it, path alone, decoded) and any credentials. The scheme and host stay
 *  readable, unless the URL has nothing else to hide. */
function urlParts(value: string): string[] | null {
  const authority = HTTP_URL.exec(value);
  if (!authority) return null;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  const rawTail = value.slice(authority[0].length).trimEnd();
  const tails = [rawTail, `${url.pathname}${url.search}${url.hash}`, `${url.pathname}${url.search}`];
  const query = url.search.slice(1);
  tails.push(url.pathname, query, decodeSafely(url.pathname), decodeSafely(query), decodeSafely(rawTail));
  const parts = tails.map((tail) => tail.replace(/^\/+/, '')).filter((tail) => tail !== '');
  for (const credential of [url.username, url.password]) {
    if (credential !== '') parts.push(credential, decodeSafely(credential));
  }
  if (parts.length === 0 || (url.pathname === '/' && url.search === '')) {
    parts.push(value.trim(), url.href, url.host);
  }
  return parts;
}

/** Base64 of `text` as it appears inside the base64 of a longer string, at each of the three
 *  byte alignments: only the characters that do not depend on the neighbouring bytes. */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const length = offset + bytes.length;
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const stable = encoded.slice([0, 2, 3][offset], Math.floor(length / 3) * 4 + (length % 3));
    forms.push(stable, stable.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** Every spelling of a secret that may reach a text: as is, JSON-escaped, percent- and
 *  form-encoded, base64 (standard and url-safe; a template may send `$base64encode(...)`). */
function formsOf(value: string): string[] {
  const forms = new Set<string>();
  for (const part of urlParts(value) ?? [value]) {
    forms.add(part);
    forms.add(JSON.stringify(part).slice(1, -1));
    forms.add(encodeURIComponent(part));
    forms.add(new URLSearchParams({ v: part }).toString().slice(2));
    if (part.length >= SHORT_SECRET_CHARS) for (const form of base64Forms(part)) forms.add(form);
  }
  return [...forms].filter((form) => form.trim() !== '');
}

/** A short value counts only as a whole token. A single character needs more: punctuation (or
 *  the text's ends) on both sides, or an auth scheme before it, or it would hide every "a". */
function standsAlone(text: string, at: number, form: string): boolean {
  const before = text[at - 1];
  const after = text[at + form.length];
  if ((before && WORD_CHAR.test(before)) || (after && WORD_CHAR.test(after))) return false;
  if (form.length > 1) return true;
  if (AUTH_SCHEME_BEFORE.test(text.slice(Math.max(0, at - 16), at))) return true;
  return !(before && SPACE_OR_WORD.test(before)) && !(after && SPACE_OR_WORD.test(after));
}

type Span = [start: number, end: number];

/** A secret's spellings and 12-character pieces, worked out once for many texts. */
interface SecretForms {
  forms: string[];
  pieces: Set<string>;
  /** Shorter texts hold none of them (most log fields): they are returned as they are. */
  shortest: number;
}

function formsOfAll(secretValues: Iterable<string>): SecretForms {
  const forms = new Set<string>();
  const pieces = new Set<string>();
  for (const value of secretValues) {
    for (const form of formsOf(value)) {
      forms.add(form);
      for (let i = 0; i + SECRET_PIECE_CHARS <= form.length; i++) {
        pieces.add(form.slice(i, i + SECRET_PIECE_CHARS));
      }
    }
  }
  let shortest = SECRET_PIECE_CHARS;
  for (const form of forms) shortest = Math.min(shortest, form.length);
  return { forms: [...forms], pieces, shortest };
}

function spansOf(text: string, { forms, pieces }: SecretForms): Span[] {
  const spans: Span[] = [];
  for (const form of forms) {
    const short = form.length < SHORT_SECRET_CHARS;
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
      if (!short || standsAlone(text, at, form)) spans.push([at, at + form.length]);
    }
  }
  if (pieces.size > 0) {
    for (let i = 0; i + SECRET_PIECE_CHARS <= text.length; i++) {
      if (pieces.has(text.slice(i, i + SECRET_PIECE_CHARS))) spans.push([i, i + SECRET_PIECE_CHARS]);
    }
  }
  return spans;
}

function maskSpans(text: string, found: Span[]): string {
  const spans = found.sort((a, b) => a[0] - b[0]);
  if (spans.length === 0) return text;
  let out = '';
  let copied = 0;
  let masking = false;
  for (const [start, end] of spans) {
    // Overlapping or touching spans become one mask.
    if (masking && start <= copied) {
      copied = Math.max(copied, end);
      continue;
    }
    out += `${text.slice(copied, start)}${MASK}`;
    copied = end;
    masking = true;
  }
  return out + text.slice(copied);
}

/** Replaces every secret value (and every spelling and 12-character piece of one) with ***. */
export function redact(text: string, secretValues: Iterable<string>): string {
  return maskSpans(text, spansOf(text, formsOfAll(secretValues)));
}

/** `redact` for many texts and the same secrets (every log line): the spellings are worked out once. */
export function secretMasker(secretValues: Iterable<string>): (text: string) => string {
  const forms = formsOfAll(secretValues);
  if (forms.forms.length === 0) return (text) => text;
  return (text) => (text.length < forms.shortest ? text : maskSpans(text, spansOf(text, forms)));
}

/**
 * The one way to shorten text that may hold a secret: redact, then cut to at most `maxChars`
 * (an ellipsis marks the cut), never inside a surrogate pair, so the result stays valid text.
 */
export function cutText(text: string, maxChars: number, secretValues: Iterable<string> = []): string {
  const masked = redact(text, secretValues);
  if (masked.length <= maxChars) return masked;
  let end = Math.max(0, maxChars - 1);
  const last = masked.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${masked.slice(0, end)}…`;
}
