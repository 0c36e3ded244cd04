// OAuth2 client credentials (RFC 6749 §4.4): fetching an access token through the injected Fetch
// port (the delivery's own HTTP client), and caching it for every delivery of the process until
// shortly before it expires, with one fetch at a time per destination.
import { createHash } from 'node:crypto';
import { isValidHeaderValue } from '../config/headers';
import { AuthFailedError, TokenUnavailableError } from '../errors';
import type { Fetch } from '../ports';
import { readStart } from './read-start';
import { isRetryableStatus } from './retry-policy';

/** The most of a token endpoint's answer read: a token response is small. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;
/** A token is fetched again this long before it expires (at most; 10% of a short lifetime). */
export const EXPIRY_MARGIN_MS = 60_000;
/** Lifetime of a token whose response has no `expires_in` (a 401 still replaces it sooner). */
export const DEFAULT_TOKEN_LIFETIME_MS = 5 * 60_000;

export interface TokenRequest {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  clientAuth: 'basic' | 'post';
  scope?: string | undefined;
  audience?: string | undefined;
  extraParams?: Readonly<Record<string, string>> | undefined;
  timeoutMs: number;
  userAgent: string;
}

interface Token {
  value: string;
  refreshAt: number;
  fingerprint: string;
}

// RFC 6749 §2.3.1: client id and secret are form-encoded before they are joined for Basic.
const formEncode = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);

function tokenForm(request: TokenRequest): { headers: Record<string, string>; body: string } {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.scope !== undefined) form.set('scope', request.scope);
  if (request.audience !== undefined) form.set('audience', request.audience);
  for (const [name, value] of Object.entries(request.extraParams ?? {})) form.set(name, value);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    'user-agent': request.userAgent,
  };
  if (request.clientAuth === 'basic') {
    const pair = `${formEncode(request.clientId)}:${formEncode(request.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.set('client_id', request.clientId);
    form.set('client_secret', request.clientSecret);
  }
  return { headers, body: form.toString() };
}

const quoted = (value: unknown) =>
  typeof value === 'string' ? JSON.stringify(value.slice(0, 200)) : undefined;

/** `invalid_client: "Client authentication failed"`, from an RFC 6749 §5.2 error response. */
function describeError(status: number, text: string): string {
  let parsed: { error?: unknown; error_description?: unknown } = {};
  try {
    parsed = JSON.parse(text) ?? {};
  } catch {
    // Not JSON: the status and the start of the text say what there is.
  }
  const error = typeof parsed.error === 'string' ? parsed.error.slice(0, 100) : undefined;
  const description = quoted(parsed.error_description);
  if (error === undefined) return `HTTP ${status}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`;
  return `HTTP ${status} ${error}${description ? `: ${description}` : ''}`;
}

function lifetimeMs(expiresIn: unknown): number {
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? seconds * 1000
    : DEFAULT_TOKEN_LIFETIME_MS;
}

/** Fetches one token. Throws AuthFailedError (refused: permanent) or TokenUnavailableError. */
export async function fetchToken(
  fetch: Fetch,
  request: TokenRequest,
): Promise<{ value: string; lifetimeMs: number }> {
  const where = `token endpoint ${request.tokenUrl}`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  let status: number;
  let text: string;
  try {
    const response = await fetch(request.tokenUrl, {
      method: 'POST',
      ...tokenForm(request),
      // A redirect could carry the client secret to a host the config never named.
      redirect: 'manual',
      signal: controller.signal,
    });
    status = response.status;
    text = await readStart(response.body, MAX_TOKEN_RESPONSE_BYTES);
  } catch (error) {
    if (controller.signal.aborted)
      throw new TokenUnavailableError(`${where}: timeout after ${request.timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new TokenUnavailableError(
      `${where}: network error: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (status >= 300 && status < 400) {
    throw new AuthFailedError(
      `${where} answered HTTP ${status}: redirects are not followed; configure the final URL`,
    );
  }
  if (status < 200 || status >= 300) {
    const described = describeError(status, text);
    if (isRetryableStatus(status)) throw new TokenUnavailableError(`${where} answered ${described}`);
    throw new AuthFailedError(`${where} refused the token request: ${described}`);
  }
  let body: { access_token?: unknown; token_type?: unknown; expires_in?: unknown } = {};
  try {
    body = JSON.parse(text) ?? {};
  } catch {
    // Handled below: no token in it.
  }
  const token = body.access_token;
  if (typeof token !== 'string' || token === '' || !isValidHeaderValue(token)) {
    throw new AuthFailedError(`${where} answered HTTP ${status} without a usable access_token`);
  }
  if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
    throw new AuthFailedError(
      `${where} issued a token of type ${quoted(body.token_type)}: only Bearer is supported`,
    );
  }
  return { value: token, lifetimeMs: lifetimeMs(body.expires_in) };
}

/** Which credentials a token was fetched with: a rotated secret or a changed scope needs a new one. */
function fingerprintOf(request: TokenRequest): string {
  const { timeoutMs: _timeout, userAgent: _agent, ...fields } = request;
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** The access tokens of every oauth2 destination, shared by all deliveries of one process. */
export class OAuth2Tokens {
  private readonly tokens = new Map<string, Token>();
  private readonly fetching = new Map<string, { fingerprint: string; token: Promise<Token> }>();
  private readonly now: () => number;

  constructor(private readonly options: { fetch: Fetch; now?: () => number }) {
    this.now = options.now ?? Date.now;
  }

  /** A valid token for `key` (a destination). `rejected`: the token a destination just answered
   *  401 to; unless another delivery already replaced it, a new one is fetched. */
  async token(key: string, request: TokenRequest, rejected?: string): Promise<string> {
    const fingerprint = fingerprintOf(request);
    const cached = this.tokens.get(key);
    if (cached?.fingerprint === fingerprint && cached.value !== rejected && this.now() < cached.refreshAt) {
      return cached.value;
    }
    const inFlight = this.fetching.get(key);
    if (inFlight?.fingerprint === fingerprint) return (await inFlight.token).value;
    const token = this.fetchAndKeep(key, request, fingerprint);
    this.fetching.set(key, { fingerprint, token });
    try {
      return (await token).value;
    } finally {
      if (this.fetching.get(key)?.token === token) this.fetching.delete(key);
    }
  }

  private async fetchAndKeep(key: string, request: TokenRequest, fingerprint: string): Promise<Token> {
    const asked = this.now();
    const { value, lifetimeMs } = await fetchToken(this.options.fetch, request);
    const token = {
      value,
      fingerprint,
      refreshAt: asked + lifetimeMs - Math.min(EXPIRY_MARGIN_MS, lifetimeMs / 10),
    };
    this.tokens.set(key, token);
    return token;
  }
}
