// The Idempotency-Key header: its config field (default on, renamable, or off) and the value
// buildRequest sends, which is the same for every attempt at one notification.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { buildRequest, type DeliveryTarget } from '../../../lambda/core/deliver/request';
import { ConfigError } from '../../../lambda/core/errors';
import { idempotencyKeyFor, jobIdFor } from '../../../lambda/core/receive/jobs';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compileTemplate } from '../../../lambda/core/render/templates';
import { fixture } from '../../support/fixtures';
import { MemorySecretStore } from '../../support/memory-secret-store';

const configWith = (destination: Record<string, unknown>) =>
  parseConfig({
    routes: [
      {
        id: 'r',
        allowUnsigned: true,
        destinations: [{ id: 'd', url: 'https://api.example.com', ...destination }],
      },
    ],
  });

function problemsOf(destination: Record<string, unknown>): string[] {
  try {
    configWith(destination);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('config was accepted');
}

function targetFor(destination: Record<string, unknown>): DeliveryTarget {
  const route = configWith(destination).routes[0];
  const parsed = route?.destinations[0];
  if (!route || !parsed) throw new Error('no destination');
  return { route, destination: parsed, render: compileTemplate(parsed.template) };
}

const body = fixture('tfe-run-errored');
const input = { body, notification: classifyPayload(JSON.parse(body)) };
const secrets = new MemorySecretStore({ token: 'bearer-token-value' });

describe('idempotencyHeader config', () => {
  it('defaults to Idempotency-Key', () => {
    expect(configWith({}).routes[0]?.destinations[0]?.idempotencyHeader).toBe('Idempotency-Key');
  });

  it.each([
    [
      'a header name that is not a token',
      { idempotencyHeader: 'Idempotency Key' },
      'idempotencyHeader: must be a valid HTTP header name',
    ],
    [
      'a header the bridge owns',
      { idempotencyHeader: 'Content-Type' },
      'idempotencyHeader: is set by the bridge and cannot be configured',
    ],
    ['true', { idempotencyHeader: true }, 'idempotencyHeader: must be a header name, or false to send none'],
    [
      'a static header of the same name (any case)',
      { headers: { 'idempotency-key': 'x' } },
      'headers.idempotency-key: conflicts with idempotencyHeader "Idempotency-Key" (set idempotencyHeader: false to send your own)',
    ],
    [
      'the auth header name',
      { auth: { type: 'header', name: 'X-Key', secret: { secretId: 'token' } }, idempotencyHeader: 'x-key' },
      'idempotencyHeader: "x-key" is already sent by the bridge (auth): choose another name',
    ],
    [
      'Authorization with bearer auth',
      { auth: { type: 'bearer', secret: { secretId: 'token' } }, idempotencyHeader: 'Authorization' },
      'idempotencyHeader: "Authorization" is already sent by the bridge (auth): choose another name',
    ],
    [
      'User-Agent',
      { idempotencyHeader: 'User-Agent' },
      'idempotencyHeader: "User-Agent" is already sent by the bridge (User-Agent): choose another name',
    ],
  ])('refuses %s, naming the field', (_case, destination, problem) => {
    expect(problemsOf(destination)).toEqual([`routes[0].destinations[0].${problem}`]);
  });

  it('lets a static header of that name through once the bridge sends none', () => {
    const config = configWith({ idempotencyHeader: false, headers: { 'Idempotency-Key': 'mine' } });
    expect(config.routes[0]?.destinations[0]?.idempotencyHeader).toBe(false);
  });
});

describe('the Idempotency-Key on the outgoing request', () => {
  it('is the job id: sha256 of route/destination and the raw body, the same on every build', async () => {
    const target = targetFor({ auth: { type: 'bearer', secret: { secretId: 'token' } } });
    const first = await buildRequest(target, input, secrets, { seen: new Set() });
    const again = await buildRequest(target, input, secrets, { seen: new Set(), forceRefresh: true });
    expect(first.headers['idempotency-key']).toBe(jobIdFor('r', 'd', body));
    expect(again.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
  });

  it('differs between destinations and between notifications', async () => {
    const other = fixture('tfe-run-planned');
    expect(
      new Set([jobIdFor('r', 'd', body), jobIdFor('r', 'e', body), jobIdFor('r', 'd', other)]).size,
    ).toBe(3);
  });

  it('goes under the configured name', async () => {
    const request = await buildRequest(targetFor({ idempotencyHeader: 'X-Request-Id' }), input, secrets, {
      seen: new Set(),
    });
    expect(request.headers['x-request-id']).toBe(jobIdFor('r', 'd', body));
    expect(request.headers['idempotency-key']).toBeUndefined();
  });

  it('is not sent when turned off, and a static header of that name is sent as configured', async () => {
    const target = targetFor({ idempotencyHeader: false, headers: { 'Idempotency-Key': 'mine' } });
    const request = await buildRequest(target, input, secrets, { seen: new Set() });
    expect(request.headers['idempotency-key']).toBe('mine');
    expect(idempotencyKeyFor('r', target.destination, body)).toBeNull();
  });
});
