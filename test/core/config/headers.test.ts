// Configs that could never deliver, or that would print a credential, are refused at load with
// the field's path: header values fetch refuses, headers the bridge replaces, URLs with
// credentials or an upper-case http scheme.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { ConfigError } from '../../../lambda/core/errors';

const base = { id: 'callback', url: 'https://api.example.com/hook' };
const bearer = { type: 'bearer', secret: { secretId: 'token' } };

function problemsOf(destination: Record<string, unknown>, allowInsecureHttp = false): string[] {
  try {
    parseConfig({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp,
          destinations: [{ ...base, ...destination }],
        },
      ],
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const at = 'routes[0].destinations[0]';
const UNSENDABLE = 'must not contain line breaks, other control characters or characters outside Latin-1';

describe('config: what could never be delivered', () => {
  it.each([
    [
      'a header value with CR/LF',
      { headers: { 'X-Team': 'ops\r\nX-Injected: 1' } },
      `${at}.headers.X-Team: ${UNSENDABLE}`,
    ],
    [
      'a header value with a NUL',
      { headers: { 'X-Team': 'ops\u0000' } },
      `${at}.headers.X-Team: ${UNSENDABLE}`,
    ],
    [
      'a header value with DEL',
      { headers: { 'X-Team': 'ops\u007f' } },
      `${at}.headers.X-Team: ${UNSENDABLE}`,
    ],
    [
      'a header value outside Latin-1',
      { headers: { 'X-Team': 'ops ✓' } },
      `${at}.headers.X-Team: ${UNSENDABLE}`,
    ],
    [
      'an auth prefix with a line break',
      { auth: { type: 'header', name: 'X-Key', prefix: 'Key\n', secret: { secretId: 'k' } } },
      `${at}.auth.prefix: ${UNSENDABLE}`,
    ],
    [
      'an Expect header',
      { headers: { Expect: '100-continue' } },
      `${at}.headers.Expect: is not supported: fetch refuses to send it`,
    ],
    [
      'an auth header named User-Agent',
      { auth: { type: 'header', name: 'User-Agent', secret: { secretId: 'k' } } },
      `${at}.auth.name: is set by the bridge (User-Agent) and cannot be configured`,
    ],
    [
      'a User-Agent header',
      { headers: { 'user-agent': 'mine/1.0' } },
      `${at}.headers.user-agent: is set by the bridge (User-Agent) and cannot be configured`,
    ],
    [
      'a header the auth header would replace',
      {
        auth: { type: 'header', name: 'X-Api-Key', secret: { secretId: 'k' } },
        headers: { 'x-api-key': 'static' },
      },
      `${at}.headers.x-api-key: conflicts with the auth header of the same name, which would replace it`,
    ],
    [
      'a static Authorization header (credentials belong in auth)',
      { headers: { authorization: 'Bearer static-token-in-the-config' } },
      `${at}.headers.authorization: is a credential written in the config: configure it as auth, read from the secrets store and masked: auth: { type: bearer, secret: { secretId: ... } } (or type: header, name: Authorization, prefix: "Scheme ", for another scheme)`,
    ],
    [
      'a static Authorization header next to bearer auth, once',
      { auth: bearer, headers: { Authorization: 'Bearer static' } },
      `${at}.headers.Authorization: is a credential written in the config: configure it as auth, read from the secrets store and masked: auth: { type: bearer, secret: { secretId: ... } } (or type: header, name: Authorization, prefix: "Scheme ", for another scheme)`,
    ],
    [
      'a basic auth username with a colon',
      { auth: { type: 'basic', username: 'svc:ops', password: { secretId: 'p' } } },
      `${at}.auth.username: must not contain ":"`,
    ],
    [
      'a URL with user:password@',
      { url: 'https://svc:hunter2-password@api.example.com/hook' },
      `${at}.url: must not contain credentials (user:password@): use auth: { type: basic } with a secret`,
    ],
    [
      'an upper-case HTTP URL without allowInsecureHttp',
      { url: 'HTTP://api.example.com/hook' },
      `${at}.url: must be https (or set allowInsecureHttp: true on the route)`,
    ],
  ])('refuses %s, naming the field', (_case, destination, problem) => {
    const problems = problemsOf(destination);
    expect(problems).toContain(problem);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it.each([
    ['a Latin-1 header value and a tab', { headers: { 'X-Team': 'équipe\tops' } }],
    ['an upper-case HTTPS URL', { url: 'HTTPS://API.example.com:443/hook' }],
    ['an auth header and an unrelated header', { auth: bearer, headers: { 'X-Team': 'ops' } }],
  ])('accepts %s', (_case, destination) => {
    expect(problemsOf(destination)).toEqual([]);
  });
});
