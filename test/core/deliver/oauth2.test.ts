// The OAuth2 token cache and token endpoint answers, against real servers on 127.0.0.1: the
// oauth2-mock-server for tokens, and a plain destination server for hostile or broken answers.
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { OAuth2Tokens, type TokenRequest } from '../../../lambda/core/deliver/oauth2';
import { buildRequest, maskRequest } from '../../../lambda/core/deliver/request';
import { AuthFailedError, TokenUnavailableError } from '../../../lambda/core/errors';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compileTemplate } from '../../../lambda/core/render/templates';
import { closeAfterEach } from '../../support/closed-after-each';
import type { Behaviour } from '../../support/destination-server';
import { fixture } from '../../support/fixtures';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { startOAuth2Server, type TestOAuth2Server } from '../../support/oauth2-server';

const CLIENT = { id: 'unit-client', secret: 'unit-client-secret-9c9c9c9c' };
const { destination } = closeAfterEach();
const servers: TestOAuth2Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function oauth2Server() {
  const server = await startOAuth2Server({ ...CLIENT });
  servers.push(server);
  return server;
}

const requestFor = (tokenUrl: string, overrides: Partial<TokenRequest> = {}): TokenRequest => ({
  tokenUrl,
  clientId: CLIENT.id,
  clientSecret: CLIENT.secret,
  clientAuth: 'basic',
  timeoutMs: 5_000,
  userAgent: 'test',
  ...overrides,
});

/** A token endpoint that answers whatever `reply` says. */
const tokenEndpoint = async (reply: Behaviour) => `${(await destination(reply)).url}/token`;

describe('OAuth2Tokens', () => {
  it('fetches once for many concurrent deliveries, and keeps the token until shortly before it expires', async () => {
    const server = await oauth2Server();
    server.expiresIn = 100;
    let now = 1_000_000;
    const tokens = new OAuth2Tokens({ fetch: globalThis.fetch, now: () => now });
    const request = requestFor(server.tokenUrl);
    const got = await Promise.all(Array.from({ length: 8 }, () => tokens.token('r/d', request)));
    expect(new Set(got)).toEqual(new Set([server.issued[0]]));
    expect(server.requests).toHaveLength(1);
    // 10% of a 100 s lifetime before it ends: still good at 89.9 s, renewed at 90 s.
    now += 89_900;
    expect(await tokens.token('r/d', request)).toBe(server.issued[0]);
    now += 100;
    expect(await tokens.token('r/d', request)).toBe(server.issued[1]);
    expect(server.requests).toHaveLength(2);
  });

  it('replaces a rejected token once, however many deliveries saw the 401', async () => {
    const server = await oauth2Server();
    const tokens = new OAuth2Tokens({ fetch: globalThis.fetch });
    const request = requestFor(server.tokenUrl);
    const first = await tokens.token('r/d', request);
    const renewed = await Promise.all(Array.from({ length: 5 }, () => tokens.token('r/d', request, first)));
    expect(new Set(renewed)).toEqual(new Set([server.issued[1]]));
    // A delivery that saw the 401 later, once the token was already replaced, keeps the new one.
    expect(await tokens.token('r/d', request, first)).toBe(server.issued[1]);
    expect(server.requests).toHaveLength(2);
  });

  it('keeps one token per destination, and a new one when the client secret changes', async () => {
    const server = await oauth2Server();
    const tokens = new OAuth2Tokens({ fetch: globalThis.fetch });
    await tokens.token('r/a', requestFor(server.tokenUrl));
    await tokens.token('r/b', requestFor(server.tokenUrl));
    expect(server.requests).toHaveLength(2);
    server.client = { id: CLIENT.id, secret: 'rotated-secret-0000' };
    const rotated = requestFor(server.tokenUrl, { clientSecret: 'rotated-secret-0000' });
    expect(await tokens.token('r/a', rotated)).toBe(server.issued[2]);
  });

  it.each([
    [
      '400 invalid_scope',
      { status: 400, body: '{"error":"invalid_scope","error_description":"unknown scope"}' },
      AuthFailedError,
      'refused the token request: HTTP 400 invalid_scope: "unknown scope"',
    ],
    ['403 without JSON', { status: 403, body: 'Forbidden' }, AuthFailedError, 'HTTP 403: Forbidden'],
    [
      'a redirect',
      { status: 302, headers: { location: 'https://evil.example/token' } },
      AuthFailedError,
      'redirects are not followed',
    ],
    [
      '200 without a token',
      { status: 200, body: '{"token_type":"Bearer"}' },
      AuthFailedError,
      'without a usable access_token',
    ],
    [
      '200 with a token that breaks a header',
      { status: 200, body: '{"access_token":"a\\r\\nX-Evil: 1"}' },
      AuthFailedError,
      'without a usable access_token',
    ],
    [
      '200 that is not JSON',
      { status: 200, body: '<html>' },
      AuthFailedError,
      'without a usable access_token',
    ],
    [
      'a MAC token',
      { status: 200, body: '{"access_token":"t","token_type":"mac"}' },
      AuthFailedError,
      'of type "mac": only Bearer is supported',
    ],
    [
      '503',
      { status: 503, body: '{"error":"temporarily_unavailable"}' },
      TokenUnavailableError,
      'answered HTTP 503 temporarily_unavailable',
    ],
    ['429', { status: 429 }, TokenUnavailableError, 'answered HTTP 429'],
  ] as const)('classifies %s', async (_case, reply, kind, message) => {
    const url = await tokenEndpoint(() => reply);
    const tokens = new OAuth2Tokens({ fetch: globalThis.fetch });
    const got = tokens.token('r/d', requestFor(url));
    await expect(got).rejects.toThrow(kind);
    await expect(got).rejects.toThrow(message);
  });

  it('reads only the start of a huge answer, and retries an endpoint that never answers', async () => {
    const huge = await tokenEndpoint(() => ({ status: 400, body: `{"error":"${'x'.repeat(5_000_000)}"}` }));
    await expect(
      new OAuth2Tokens({ fetch: globalThis.fetch }).token('r/d', requestFor(huge)),
    ).rejects.toThrow(AuthFailedError);
    const hanging = await tokenEndpoint(() => 'hang');
    const got = new OAuth2Tokens({ fetch: globalThis.fetch }).token(
      'r/d',
      requestFor(hanging, { timeoutMs: 200 }),
    );
    await expect(got).rejects.toThrow(TokenUnavailableError);
    await expect(got).rejects.toThrow('timeout after 200 ms');
  });

  it('uses a default lifetime when expires_in is missing or nonsense', async () => {
    let now = 0;
    const url = await tokenEndpoint(() => ({
      status: 200,
      body: '{"access_token":"tok","expires_in":"soon"}',
    }));
    const tokens = new OAuth2Tokens({ fetch: globalThis.fetch, now: () => now });
    expect(await tokens.token('r/d', requestFor(url))).toBe('tok');
    now += 60_000;
    expect(await tokens.token('r/d', requestFor(url))).toBe('tok');
  });
});

describe('oauth2 in the request', () => {
  const config = parseConfig({
    routes: [
      {
        id: 'r',
        allowUnsigned: true,
        destinations: [
          {
            id: 'd',
            url: 'https://api.example/events',
            auth: {
              type: 'oauth2',
              tokenUrl: 'https://auth.example/token',
              clientId: 'c',
              clientSecret: { secretId: 'cs' },
            },
          },
        ],
      },
    ],
  });
  const route = config.routes[0];
  const parsed = route?.destinations[0];
  if (!route || !parsed) throw new Error('no destination');
  const target = { route, destination: parsed, render: compileTemplate(parsed.template) };
  const body = fixture('tfe-run-errored');
  const input = { body, notification: classifyPayload(JSON.parse(body)) };

  it('shows `Bearer <oauth2 token>` without a token source (render), fetching nothing', async () => {
    const request = await buildRequest(target, input, new MemorySecretStore({ cs: 'x' }), {
      seen: new Set(),
    });
    expect(request.headers.authorization).toBe('Bearer <oauth2 token>');
  });

  it('masks the token wherever a request is shown', async () => {
    const url = await tokenEndpoint(() => ({
      status: 200,
      body: '{"access_token":"opaque-token-123456","expires_in":60}',
    }));
    const seen = new Set<string>();
    const tokens = new OAuth2Tokens({ fetch: globalThis.fetch });
    const withUrl = {
      ...target,
      destination: { ...parsed, auth: { ...parsed.auth, tokenUrl: url } },
    } as typeof target;
    const request = await buildRequest(withUrl, input, new MemorySecretStore({ cs: 'client-secret-x' }), {
      seen,
      tokens,
    });
    expect(request.headers.authorization).toBe('Bearer opaque-token-123456');
    expect(maskRequest(request, seen).headers.authorization).toBe('Bearer ***');
    expect(seen.has('client-secret-x')).toBe(true);
  });
});

describe('oauth2 in the config', () => {
  const problemsOf = (auth: Record<string, unknown>, allowInsecureHttp = false): string[] => {
    try {
      parseConfig({
        routes: [
          {
            id: 'r',
            allowUnsigned: true,
            allowInsecureHttp,
            destinations: [{ id: 'd', url: 'https://a.example', auth }],
          },
        ],
      });
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };
  const AUTH = {
    type: 'oauth2',
    tokenUrl: 'https://auth.example/token',
    clientId: 'c',
    clientSecret: { secretId: 's' },
  };

  it('accepts a complete config, clientId from a secret, and clientAuth post', () => {
    expect(problemsOf(AUTH)).toEqual([]);
    expect(problemsOf({ ...AUTH, clientId: { secretId: 'id' }, clientAuth: 'post', scope: 'a b' })).toEqual(
      [],
    );
  });

  it.each([
    ['an http token URL', { ...AUTH, tokenUrl: 'http://auth.example/token' }, 'auth.tokenUrl: must be https'],
    [
      'a token URL with credentials',
      { ...AUTH, tokenUrl: 'https://u:p@auth.example/token' },
      'must not contain credentials',
    ],
    ['a client secret as text', { ...AUTH, clientSecret: 'plain' }, 'auth.clientSecret'],
    ['an empty client id', { ...AUTH, clientId: '' }, 'auth.clientId'],
    ['an unknown clientAuth', { ...AUTH, clientAuth: 'jwt' }, 'must be one of: basic, post'],
    [
      'extraParams replacing grant_type',
      { ...AUTH, extraParams: { grant_type: 'password' } },
      'is set by the bridge',
    ],
    [
      'a missing tokenUrl',
      { type: 'oauth2', clientId: 'c', clientSecret: { secretId: 's' } },
      'auth.tokenUrl',
    ],
  ])('refuses %s', (_case, auth, message) => {
    expect(problemsOf(auth).join('\n')).toContain(message);
  });

  it('allows an http token URL on a route with allowInsecureHttp', () => {
    expect(problemsOf({ ...AUTH, tokenUrl: 'http://127.0.0.1:9/token' }, true)).toEqual([]);
  });
});
