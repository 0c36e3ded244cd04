// Signed deliveries: every signature is checked with the Standard Webhooks reference verifier
// (the `standardwebhooks` package) and with an HMAC computed here, over the exact body built.
import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { checkSecrets, formatSecretProblem } from '../../../lambda/core/config/secret-check';
import { buildRequest, type DeliveryTarget, maskRequest } from '../../../lambda/core/deliver/request';
import { InvalidSecretError } from '../../../lambda/core/errors';
import { jobIdFor } from '../../../lambda/core/receive/jobs';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compileTemplate } from '../../../lambda/core/render/templates';
import { fixture } from '../../support/fixtures';
import { MemorySecretStore } from '../../support/memory-secret-store';

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const NEW = whsec();
const OLD = whsec();
const HMAC_KEY = 'github-style-hmac-key-0042';
const TOKEN = 'bearer-token-alongside-a-signature';

const store = (values: Record<string, unknown> = {}) =>
  new MemorySecretStore({ new: NEW, old: OLD, hmac: HMAC_KEY, token: TOKEN, ...values });

function targetFor(destination: Record<string, unknown>): DeliveryTarget {
  const config = parseConfig({
    routes: [
      {
        id: 'r',
        allowUnsigned: true,
        destinations: [{ id: 'd', url: 'https://api.example/hook', ...destination }],
      },
    ],
  });
  const route = config.routes[0];
  const parsed = route?.destinations[0];
  if (!route || !parsed) throw new Error('no destination');
  return { route, destination: parsed, render: compileTemplate(parsed.template) };
}

const input = (body = fixture('tfe-run-errored')) => ({
  body,
  notification: classifyPayload(JSON.parse(body)),
});

async function build(destination: Record<string, unknown>, options: { now?: number; body?: string } = {}) {
  const given = input(options.body);
  const request = await buildRequest(targetFor(destination), given, store(), {
    seen: new Set(),
    now: options.now ?? Date.now(),
  });
  return { request, given };
}

const STANDARD = { scheme: 'standard-webhooks', secret: { secretId: 'new' } };

/** The Standard Webhooks signature computed here, without the bridge's code. */
const independent = (secret: string, id: string, timestamp: string, body: string) =>
  `v1,${createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64')}`;

describe('standard-webhooks signatures', () => {
  it('verifies with the reference verifier and an independent HMAC, beside bearer auth', async () => {
    const { request, given } = await build({
      auth: { type: 'bearer', secret: { secretId: 'token' } },
      sign: STANDARD,
    });
    const { headers, body } = request;
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    // webhook-id is the idempotency key: the same on every retry and replay.
    expect(headers['webhook-id']).toBe(jobIdFor('r', 'd', given.body));
    expect(headers['webhook-id']).toBe(headers['idempotency-key']);
    expect(new Webhook(NEW).verify(body, headers)).toEqual(JSON.parse(body));
    expect(headers['webhook-signature']).toBe(
      independent(NEW, headers['webhook-id'] ?? '', headers['webhook-timestamp'] ?? '', body),
    );
    expect(() => new Webhook(OLD).verify(body, headers)).toThrow('No matching signature');
    expect(() => new Webhook(NEW).verify(`${body} `, headers)).toThrow('No matching signature');
  });

  it('stamps the time of the attempt, in seconds, and signs it', async () => {
    const now = Date.now() - 90_500;
    const { request } = await build({ sign: STANDARD }, { now });
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(now / 1000)));
    expect(new Webhook(NEW).verify(request.body, request.headers)).toBeDefined();
    const tampered = { ...request.headers, 'webhook-timestamp': String(Math.floor(now / 1000) + 1) };
    expect(() => new Webhook(NEW).verify(request.body, tampered)).toThrow('No matching signature');
  });

  it('keeps the webhook-id when the idempotency header is turned off', async () => {
    const { request, given } = await build({ sign: STANDARD, idempotencyHeader: false });
    expect(request.headers['idempotency-key']).toBeUndefined();
    expect(request.headers['webhook-id']).toBe(jobIdFor('r', 'd', given.body));
  });

  it('signs with every secret during a rotation: a receiver with either one verifies', async () => {
    const { request } = await build({
      sign: { ...STANDARD, secret: [{ secretId: 'new' }, { secretId: 'old' }] },
    });
    const { headers, body } = request;
    const parts = headers['webhook-signature']?.split(' ') ?? [];
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe(
      independent(NEW, headers['webhook-id'] ?? '', headers['webhook-timestamp'] ?? '', body),
    );
    expect(parts[1]).toBe(
      independent(OLD, headers['webhook-id'] ?? '', headers['webhook-timestamp'] ?? '', body),
    );
    for (const secret of [NEW, OLD]) expect(new Webhook(secret).verify(body, headers)).toBeDefined();
    expect(() => new Webhook(whsec()).verify(body, headers)).toThrow('No matching signature');
  });

  it('signs the exact bytes of a body with non-ASCII text and JSON escapes', async () => {
    const body = JSON.stringify({
      payload_version: 1,
      notification_configuration_id: 'nc-1',
      run_url: 'https://app.terraform.io/x',
      run_id: 'run-1',
      run_message: 'déploiement ✓ "quoted" \\ \u2028 🚀',
      notifications: [{ message: 'm', trigger: 'run:errored', run_status: 'errored' }],
      workspace_name: 'ws',
      organization_name: 'org',
    });
    const { request } = await build({ sign: STANDARD }, { body });
    expect(request.body).toBe(body);
    expect(new Webhook(NEW).verify(request.body, request.headers)).toBeDefined();
    expect(new Webhook(NEW).verify(Buffer.from(request.body, 'utf8'), request.headers)).toBeDefined();
  });

  it.each([
    ['an empty secret', '', 'is empty'],
    ['a secret without whsec_', randomBytes(32).toString('base64'), 'must start with "whsec_"'],
    ['a whsec_ secret that is not base64', 'whsec_not base64 at all!!', 'must come base64'],
    ['a whsec_ secret with a short key', `whsec_${randomBytes(8).toString('base64')}`, 'at least 24 needed'],
    ['the placeholder', 'REPLACE_ME', 'placeholder'],
  ])('refuses %s at delivery and in the secrets check', async (_case, value, reason) => {
    const target = targetFor({ sign: STANDARD });
    const attempt = buildRequest(target, input(), store({ new: value }), { seen: new Set() });
    await expect(attempt).rejects.toThrow(InvalidSecretError);
    await expect(attempt).rejects.toThrow(reason);
    const config = parseConfig({
      routes: [
        {
          id: 'r',
          allowUnsigned: true,
          destinations: [{ id: 'd', url: 'https://a.example', sign: STANDARD }],
        },
      ],
    });
    const problems = (await checkSecrets(config, store({ new: value }))).map(formatSecretProblem);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('routes[0].destinations[0].sign.secret: secret "new"');
    expect(problems[0]).toContain(reason);
    // The message never quotes the value (the public placeholder aside).
    if (value !== '' && value !== 'REPLACE_ME') expect(problems[0]).not.toContain(value);
  });

  it('masks nothing of the signature but every secret value', async () => {
    const seen = new Set<string>();
    const request = await buildRequest(targetFor({ sign: STANDARD }), input(), store(), { seen });
    expect(seen.has(NEW)).toBe(true);
    expect(maskRequest(request, seen).headers['webhook-signature']).toBe(
      request.headers['webhook-signature'],
    );
  });
});

describe('hmac signatures', () => {
  it('sends a GitHub-style X-Hub-Signature-256 over the exact body', async () => {
    const sign = {
      scheme: 'hmac',
      header: 'X-Hub-Signature-256',
      prefix: 'sha256=',
      secret: { secretId: 'hmac' },
    };
    const { request } = await build({ sign });
    const expected = createHmac('sha256', HMAC_KEY).update(request.body).digest('hex');
    expect(request.headers['x-hub-signature-256']).toBe(`sha256=${expected}`);
  });

  it('uses sha512 and base64 when asked, without a prefix', async () => {
    const sign = {
      scheme: 'hmac',
      header: 'X-Signature',
      algorithm: 'sha512',
      encoding: 'base64',
      secret: { secretId: 'hmac' },
    };
    const { request } = await build({ sign, auth: { type: 'bearer', secret: { secretId: 'token' } } });
    expect(request.headers['x-signature']).toBe(
      createHmac('sha512', HMAC_KEY).update(request.body).digest('base64'),
    );
    expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('refuses an empty key rather than signing with it (anyone could)', async () => {
    const target = targetFor({
      sign: { scheme: 'hmac', header: 'X-Signature', secret: { secretId: 'hmac' } },
    });
    await expect(buildRequest(target, input(), store({ hmac: '   ' }), { seen: new Set() })).rejects.toThrow(
      'signing secret "hmac" is empty',
    );
  });
});

describe('sign in the config', () => {
  const problemsOf = (destination: Record<string, unknown>): string[] => {
    try {
      parseConfig({
        routes: [
          {
            id: 'r',
            allowUnsigned: true,
            destinations: [{ id: 'd', url: 'https://a.example', ...destination }],
          },
        ],
      });
      return [];
    } catch (error) {
      return (error as { problems: string[] }).problems;
    }
  };
  const HMAC = { scheme: 'hmac', header: 'X-Signature', secret: { secretId: 'hmac' } };

  it.each([
    [
      'the auth header',
      { auth: { type: 'bearer', secret: { secretId: 't' } }, sign: { ...HMAC, header: 'Authorization' } },
      '"authorization" is already the auth header',
    ],
    [
      'an auth header of another name',
      { auth: { type: 'header', name: 'X-Signature', secret: { secretId: 't' } }, sign: HMAC },
      '"x-signature" is already the auth header',
    ],
    [
      'a static header',
      { headers: { 'Webhook-Id': 'x' }, sign: STANDARD },
      'conflicts with the signature header "webhook-id"',
    ],
    [
      'a static header (hmac)',
      { headers: { 'x-signature': 'x' }, sign: HMAC },
      'conflicts with the signature header "x-signature"',
    ],
    [
      'the idempotency header',
      { idempotencyHeader: 'webhook-id', sign: STANDARD },
      'is a signature header that sign sends',
    ],
    [
      'User-Agent as the signature header',
      { sign: { ...HMAC, header: 'User-Agent' } },
      'cannot be configured',
    ],
    [
      'Content-Type as the signature header',
      { sign: { ...HMAC, header: 'Content-Type' } },
      'cannot be configured',
    ],
    [
      'an invalid header name',
      { sign: { ...HMAC, header: 'X Signature' } },
      'must be a valid HTTP header name',
    ],
    [
      'a prefix with a line break',
      { sign: { ...HMAC, prefix: 'sha256=\r\nX-Evil: 1' } },
      'must not contain line breaks',
    ],
    [
      'an unknown scheme',
      { sign: { scheme: 'jws', secret: { secretId: 'x' } } },
      'must be one of: standard-webhooks, hmac',
    ],
    ['an unknown algorithm', { sign: { ...HMAC, algorithm: 'md5' } }, 'must be one of: sha256, sha512'],
    ['a missing secret', { sign: { scheme: 'standard-webhooks' } }, 'sign.secret'],
    ['an empty rotation list', { sign: { scheme: 'standard-webhooks', secret: [] } }, 'sign.secret'],
  ])('refuses %s', (_case, destination, message) => {
    const problems = problemsOf(destination);
    expect(problems.join('\n')).toContain(message);
  });

  it('accepts bearer auth and a signature together', () => {
    expect(problemsOf({ auth: { type: 'bearer', secret: { secretId: 't' } }, sign: STANDARD })).toEqual([]);
  });
});
