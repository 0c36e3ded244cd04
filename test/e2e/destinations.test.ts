// Presets, auth kinds and named template secrets end to end: signed requests to the real local
// bridge, deliveries to real destination servers on 127.0.0.1, and a grep of everything the
// bridge wrote (logs, dead letters, journal) for the secret values.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import type { Behaviour } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'destinations-signing-token-0001';
const ROUTING_KEY = 'pd-routing-key-abcdef0123456789';
const GENIE_KEY = 'genie-key-0f1e2d3c4b5a69788796';
const DD_KEY = 'dd-api-key-99887766554433221100';
const PASSWORD = 'basic-password-7a7a7a7a7a7a';
const SECRETS = { hmac: HMAC, pd: ROUTING_KEY, opsgenie: { key: GENIE_KEY }, dd: DD_KEY, tickets: PASSWORD };
const SECRET_VALUES = [
  ROUTING_KEY,
  GENIE_KEY,
  DD_KEY,
  PASSWORD,
  Buffer.from(`svc:${PASSWORD}`).toString('base64'),
];
const ONE_TRY = { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 };

const { destination, bridge: startBridge } = closeAfterEach();

async function bridge(destinations: unknown[]): Promise<TestBridge> {
  return startBridge(
    { routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations }] },
    SECRETS,
  );
}

const post = (b: TestBridge, body: string) =>
  fetch(`${b.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));

/** Answers 200 only when `header` has exactly `value`, 403 otherwise. */
const requireHeader =
  (header: string, value: string): Behaviour =>
  (request) => ({ status: request.headers[header] === value ? 200 : 403 });

/** Everything the bridge wrote to its directory, except the secrets file it was given. */
function writtenFiles(b: TestBridge): string {
  const read = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return read(path);
      return path === b.secretsPath ? [] : [readFileSync(path, 'utf8')];
    });
  return read(b.dir).join('\n');
}

describe('third-party destinations, end to end', () => {
  it('sends a Slack Block Kit message for a run', async () => {
    const slack = await destination();
    const b = await bridge([
      { id: 'slack', url: `${slack.url}/services/T0/B0/X`, template: { preset: 'slack' } },
    ]);
    expect((await post(b, fixture('tfe-run-errored'))).status).toBe(202);
    const [received] = await slack.waitFor(1);
    const message = JSON.parse(received?.body ?? '{}');
    expect(message.text).toBe(':red_circle: Run Canceled in acme-org/my-workspace');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':red_circle: Run Canceled', emoji: true },
    });
  });

  it('puts the PagerDuty routing key from a named secret into the body', async () => {
    const pagerduty = await destination();
    const b = await bridge([
      {
        id: 'pagerduty',
        url: `${pagerduty.url}/v2/enqueue`,
        template: { preset: 'pagerduty' },
        secrets: { routingKey: { secretId: 'pd' } },
      },
    ]);
    await post(b, fixture('assessment-drifted'));
    const [received] = await pagerduty.waitFor(1);
    expect(JSON.parse(received?.body ?? '{}')).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'tfe-bridge/acme-org/my-workspace',
      payload: { severity: 'error', summary: 'Drift Detected in acme-org/my-workspace' },
    });
  });

  it.each([
    [
      'a named header (Datadog DD-API-KEY)',
      { type: 'header', name: 'DD-API-KEY', secret: { secretId: 'dd' } },
      requireHeader('dd-api-key', DD_KEY),
    ],
    [
      'a prefixed key (Opsgenie "GenieKey ")',
      {
        type: 'header',
        name: 'Authorization',
        prefix: 'GenieKey ',
        secret: { secretId: 'opsgenie', jsonKey: 'key' },
      },
      requireHeader('authorization', `GenieKey ${GENIE_KEY}`),
    ],
    [
      'basic auth',
      { type: 'basic', username: 'svc', password: { secretId: 'tickets' } },
      requireHeader('authorization', `Basic ${Buffer.from(`svc:${PASSWORD}`).toString('base64')}`),
    ],
  ])('authenticates with %s', async (_case, auth, behaviour) => {
    const api = await destination(behaviour);
    const b = await bridge([
      { id: 'api', url: api.url, auth, template: { preset: 'generic' }, retry: ONE_TRY },
    ]);
    await post(b, fixture('tfe-run-planned'));
    await api.waitFor(1);
    const [attempt] = await eventually(() => {
      const lines = b.logger.withMessage('delivery attempt');
      return lines.length > 0 ? lines : undefined;
    });
    expect(attempt).toMatchObject({ outcome: 'delivered', status: 200 });
  });

  it('never writes a secret value to logs, dead letters or the journal, even when the destination echoes it', async () => {
    // The destination rejects everything and echoes the request back, secrets included.
    const echo: Behaviour = (request) => ({
      status: 400,
      body: JSON.stringify({ auth: request.headers.authorization, got: request.body }),
    });
    const api = await destination(echo);
    const b = await bridge([
      {
        id: 'pagerduty',
        url: api.url,
        template: { preset: 'pagerduty' },
        secrets: { routingKey: { secretId: 'pd' } },
        retry: ONE_TRY,
      },
      {
        id: 'opsgenie',
        url: api.url,
        auth: {
          type: 'header',
          name: 'Authorization',
          prefix: 'GenieKey ',
          secret: { secretId: 'opsgenie', jsonKey: 'key' },
        },
        template: { jsonata: '{ "message": $event.summary, "key": $secrets.dd }' },
        secrets: { dd: { secretId: 'dd' } },
        retry: ONE_TRY,
      },
      {
        id: 'tickets',
        url: api.url,
        auth: { type: 'basic', username: 'svc', password: { secretId: 'tickets' } },
        retry: ONE_TRY,
      },
    ]);
    await post(b, fixture('tfe-run-errored'));
    await api.waitFor(3);
    const letters = await eventually(() => (b.deadLetters().length === 3 ? b.deadLetters() : undefined));
    expect(letters.map((letter) => [letter.destinationId, letter.reason, letter.lastStatus]).sort()).toEqual([
      ['opsgenie', 'permanent', 400],
      ['pagerduty', 'permanent', 400],
      ['tickets', 'permanent', 400],
    ]);
    // The echo made it into every error (the first 200 characters), redacted.
    for (const letter of letters) expect(letter.lastError).toContain('***');
    const everything = `${b.logger.text()}\n${writtenFiles(b)}`;
    for (const secret of SECRET_VALUES) expect(everything).not.toContain(secret);
  });
});
