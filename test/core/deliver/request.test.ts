import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { buildRequest, type DeliveryTarget, maskRequest } from '../../../lambda/core/deliver/request';
import { RequestError, SecretUnavailableError } from '../../../lambda/core/errors';
import { jobIdFor } from '../../../lambda/core/receive/jobs';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compileTemplate } from '../../../lambda/core/render/templates';
import { fixture } from '../../support/fixtures';
import { MemorySecretStore } from '../../support/memory-secret-store';

const DD_KEY = 'dd-api-key-0123456789abcdef';
const GENIE_KEY = 'genie-key-fedcba9876543210';
const PASSWORD = 'tickets-password-5555';
const ROUTING_KEY = 'routing-key-from-secrets-00000000';

const store = () =>
  new MemorySecretStore({
    dd: DD_KEY,
    opsgenie: { key: GENIE_KEY },
    tickets: { user: 'svc-bridge', password: PASSWORD },
    pd: ROUTING_KEY,
    hook: 'https://hooks.example.com/services/T0/B0/SECRETPATH',
  });

function targetFor(destination: Record<string, unknown>, allowInsecureHttp = false): DeliveryTarget {
  const config = parseConfig({
    routes: [
      { id: 'r', allowUnsigned: true, allowInsecureHttp, destinations: [{ id: 'd', ...destination }] },
    ],
  });
  const route = config.routes[0];
  const parsed = route?.destinations[0];
  if (!route || !parsed) throw new Error('no destination');
  return { route, destination: parsed, render: compileTemplate(parsed.template) };
}

const input = (name = 'tfe-run-errored') => {
  const body = fixture(name);
  return { body, notification: classifyPayload(JSON.parse(body)) };
};

describe('buildRequest', () => {
  it.each([
    ['a bearer token', { type: 'bearer', secret: { secretId: 'dd' } }, { authorization: `Bearer ${DD_KEY}` }],
    [
      'an API key in a named header (Datadog)',
      { type: 'header', name: 'DD-API-KEY', secret: { secretId: 'dd' } },
      { 'dd-api-key': DD_KEY },
    ],
    [
      'a key with a prefix (Opsgenie "GenieKey ")',
      {
        type: 'header',
        name: 'Authorization',
        prefix: 'GenieKey ',
        secret: { secretId: 'opsgenie', jsonKey: 'key' },
      },
      { authorization: `GenieKey ${GENIE_KEY}` },
    ],
    [
      'basic auth with user and password from one JSON secret',
      {
        type: 'basic',
        username: { secretId: 'tickets', jsonKey: 'user' },
        password: { secretId: 'tickets', jsonKey: 'password' },
      },
      { authorization: `Basic ${Buffer.from(`svc-bridge:${PASSWORD}`).toString('base64')}` },
    ],
    ['no auth', { type: 'none' }, {}],
  ])('sends %s', async (_case, auth, expected) => {
    const target = targetFor({ url: 'https://api.example.com/hook', auth });
    const request = await buildRequest(target, input(), store(), { seen: new Set() });
    expect(request.headers).toEqual({
      ...expected,
      'content-type': 'application/json',
      'user-agent': expect.stringMatching(/^tfe-bridge\//),
      'idempotency-key': jobIdFor('r', 'd', input().body),
    });
  });

  it('adds static headers, but the bridge owns content-type and auth', async () => {
    const target = targetFor({
      url: 'https://api.github.com/repos/o/r/dispatches',
      auth: { type: 'bearer', secret: { secretId: 'dd' } },
      headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
    });
    const request = await buildRequest(target, input(), store(), { seen: new Set() });
    expect(request.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      authorization: `Bearer ${DD_KEY}`,
    });
  });

  it('passes named secrets to the template as $secrets, and records them for redaction', async () => {
    const target = targetFor({
      url: 'https://events.pagerduty.com/v2/enqueue',
      template: { preset: 'pagerduty' },
      secrets: { routingKey: { secretId: 'pd' } },
    });
    const seen = new Set<string>();
    const request = await buildRequest(target, input(), store(), { seen });
    expect(JSON.parse(request.body)).toMatchObject({ routing_key: ROUTING_KEY, event_action: 'trigger' });
    expect(seen).toContain(ROUTING_KEY);
  });

  it('reads a URL kept in a secret', async () => {
    const target = targetFor({ url: { secret: { secretId: 'hook' } } });
    const request = await buildRequest(target, input(), store(), { seen: new Set() });
    expect(request.url).toBe('https://hooks.example.com/services/T0/B0/SECRETPATH');
  });

  it('refuses an http URL from a secret unless the route allows it', async () => {
    const secrets = new MemorySecretStore({ hook: 'http://hooks.example.com/x' });
    const target = targetFor({ url: { secret: { secretId: 'hook' } } });
    await expect(buildRequest(target, input(), secrets, { seen: new Set() })).rejects.toBeInstanceOf(
      RequestError,
    );
  });

  it('fails with a SecretUnavailableError naming a missing secret', async () => {
    const target = targetFor({ url: 'https://a.example', secrets: { routingKey: { secretId: 'absent' } } });
    const error = await buildRequest(target, input(), store(), { seen: new Set() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(error).toMatchObject({ message: 'secret "absent" not found', secretId: 'absent' });
  });
});

describe('maskRequest', () => {
  it('replaces every secret value in URL, headers and body with ***', async () => {
    const target = targetFor({
      url: { secret: { secretId: 'hook' } },
      auth: { type: 'basic', username: 'svc', password: { secretId: 'tickets', jsonKey: 'password' } },
      template: { jsonata: '{ "key": $secrets.routingKey, "text": "hello" }' },
      secrets: { routingKey: { secretId: 'pd' } },
    });
    const seen = new Set<string>();
    const masked = maskRequest(await buildRequest(target, input(), store(), { seen }), seen);
    expect(masked).toEqual({
      method: 'POST',
      // The host stays readable; the path and query of a secret URL are the secret.
      url: 'https://hooks.example.com/***',
      headers: {
        authorization: 'Basic ***',
        'content-type': 'application/json',
        'user-agent': expect.any(String),
        'idempotency-key': expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      body: '{"key":"***","text":"hello"}',
    });
  });
});
