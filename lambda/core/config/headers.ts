// The header parts of the config schema: which names and values a destination may configure, and
// the clashes between configured headers, the auth header and the idempotency header.
import * as z from 'zod';

/** What fetch (undici) accepts in a header value: tab, visible ASCII, and Latin-1. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export const isValidHeaderValue = (value: string): boolean => HEADER_VALUE.test(value);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers the bridge owns: a config must not be able to smuggle a second Host or break framing.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
]);

export const headerNameSchema = z
  .string()
  .regex(HEADER_NAME, 'must be a valid HTTP header name')
  .refine(
    (name) => !RESERVED_HEADERS.has(name.toLowerCase()),
    'is set by the bridge and cannot be configured',
  )
  // fetch refuses to send it: every delivery would fail.
  .refine((name) => name.toLowerCase() !== 'expect', 'is not supported: fetch refuses to send it');

/** A configured header or auth header name: also not User-Agent, which the bridge sets after
 *  them and would silently replace. */
export const configuredHeaderNameSchema = headerNameSchema.refine(
  (name) => name.toLowerCase() !== 'user-agent',
  'is set by the bridge (User-Agent) and cannot be configured',
);

/** A header value (or the part of one the config gives, an auth prefix): fetch refuses line
 *  breaks, other control characters and characters outside Latin-1, so it could never be sent. */
export const headerValueSchema = z
  .string()
  .refine(
    isValidHeaderValue,
    'must not contain line breaks, other control characters or characters outside Latin-1',
  );

/** The headers a Standard Webhooks signature is sent in (https://www.standardwebhooks.com). */
export const STANDARD_WEBHOOKS_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

interface HeaderFields {
  idempotencyHeader?: unknown;
  headers?: unknown;
  auth?: unknown;
  sign?: unknown;
}

/** The auth header's name in lower case, or undefined. The input may be partly invalid. */
function authHeaderOf(auth: unknown): string | undefined {
  const { type, name } = (auth ?? {}) as { type?: unknown; name?: unknown };
  if (type === 'header' && typeof name === 'string') return name.toLowerCase();
  return type === 'bearer' || type === 'basic' || type === 'oauth2' || type === 'aws-iam'
    ? 'authorization'
    : undefined;
}

function configuredHeaders(destination: HeaderFields): string[] {
  const { headers } = destination;
  return typeof headers === 'object' && headers !== null ? Object.keys(headers) : [];
}

// A static header is config text: printed by render, stored in git, never masked in errors.
const STATIC_CREDENTIAL_HINT =
  'is a credential written in the config: configure it as auth, read from the secrets store and masked: ' +
  'auth: { type: bearer, secret: { secretId: ... } } (or type: header, name: Authorization, prefix: "Scheme ", for another scheme)';

/** A configured header the auth header would silently replace, and an `Authorization` header in
 *  `headers`: the docs say credentials belong in auth, so the config refuses one there. */
export function reportAuthHeaderConflicts(destination: HeaderFields, ctx: z.RefinementCtx): void {
  const authHeader = authHeaderOf(destination?.auth);
  for (const configured of configuredHeaders(destination)) {
    const name = configured.toLowerCase();
    if (name === 'authorization') {
      ctx.addIssue({ code: 'custom', path: ['headers', configured], message: STATIC_CREDENTIAL_HINT });
    } else if (name === authHeader) {
      ctx.addIssue({
        code: 'custom',
        path: ['headers', configured],
        message: 'conflicts with the auth header of the same name, which would replace it',
      });
    }
  }
}

/** The idempotency header must not collide with a configured header or the auth header. */
export function reportIdempotencyHeaderConflicts(destination: HeaderFields, ctx: z.RefinementCtx): void {
  const header = destination?.idempotencyHeader;
  if (typeof header !== 'string') return;
  const name = header.toLowerCase();
  const conflict = `conflicts with idempotencyHeader "${header}" (set idempotencyHeader: false to send your own)`;
  for (const configured of configuredHeaders(destination)) {
    if (configured.toLowerCase() === name)
      ctx.addIssue({ code: 'custom', path: ['headers', configured], message: conflict });
  }
  if (name === authHeaderOf(destination.auth) || name === 'user-agent') {
    ctx.addIssue({
      code: 'custom',
      path: ['idempotencyHeader'],
      message: `"${header}" is already sent by the bridge (${name === 'user-agent' ? 'User-Agent' : 'auth'}): choose another name`,
    });
  }
}

/** The headers `sign` sends, in lower case. The input may be partly invalid. */
export function signHeadersOf(sign: unknown): string[] {
  const { scheme, header } = (sign ?? {}) as { scheme?: unknown; header?: unknown };
  if (scheme === 'standard-webhooks') return [...STANDARD_WEBHOOKS_HEADERS];
  return scheme === 'hmac' && typeof header === 'string' ? [header.toLowerCase()] : [];
}

/** A signature header must be the only header of its name: a configured header, the auth header
 *  or the idempotency header of the same name would replace it or be replaced by it. */
export function reportSignHeaderConflicts(destination: HeaderFields, ctx: z.RefinementCtx): void {
  const signHeaders = signHeadersOf(destination?.sign);
  if (signHeaders.length === 0) return;
  const path = signHeaders.length === 1 ? ['sign', 'header'] : ['sign', 'scheme'];
  for (const configured of configuredHeaders(destination)) {
    if (signHeaders.includes(configured.toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        path: ['headers', configured],
        message: `conflicts with the signature header "${configured.toLowerCase()}" that sign sends`,
      });
    }
  }
  const auth = authHeaderOf(destination?.auth);
  if (auth !== undefined && signHeaders.includes(auth)) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `"${auth}" is already the auth header: choose another name`,
    });
  }
  const { idempotencyHeader } = destination ?? {};
  if (typeof idempotencyHeader === 'string' && signHeaders.includes(idempotencyHeader.toLowerCase())) {
    ctx.addIssue({
      code: 'custom',
      path: ['idempotencyHeader'],
      message: `"${idempotencyHeader}" is a signature header that sign sends: choose another name (standard-webhooks already sends the key as webhook-id)`,
    });
  }
}
