// A hostile JSONata template through the real local bridge: the run message a workspace user
// typed sends a catastrophic regex backtracking. Only what a user sees is checked (HTTP answers,
// dead letters, deliveries), so this holds whatever the delivery queue looks like inside.
import { describe, expect, it } from 'vitest';
import { TEMPLATE_TIMEOUT_MS } from '../../lambda/core/render/templates';
import { closeAfterEach } from '../support/closed-after-each';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'e2e-signing-token-0001';
const { destination, bridge: startBridge } = closeAfterEach();

const post = (b: TestBridge, body: string) =>
  fetch(`${b.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));

describe('a catastrophic JSONata template, end to end', () => {
  it('is dead-lettered as permanent on timeout while the bridge keeps answering and the other destination gets its delivery', async () => {
    const api = await destination();
    const b = await startBridge(
      {
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'hmac' },
            allowInsecureHttp: true,
            destinations: [
              {
                id: 'bad',
                url: `${api.url}/bad`,
                template: { jsonata: '{ "m": $match(run_message, /(a+)+$/) }' },
              },
              { id: 'good', url: `${api.url}/good`, template: { jsonata: '{ "message": run_message }' } },
            ],
          },
        ],
      },
      { hmac: HMAC },
    );
    const message = `${'a'.repeat(28)}!`;
    const body = JSON.stringify({ ...JSON.parse(fixture('tfe-run-errored')), run_message: message });

    const accepted = await post(b, body);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ accepted: ['bad', 'good'] });

    // Answered while the bad template is still running: nothing is dead-lettered yet.
    const verification = await post(b, fixture('tfe-verification-captured'));
    expect(verification.status).toBe(200);
    expect(b.deadLetters()).toEqual([]);

    const [letter] = await eventually(
      () => (b.deadLetters().length > 0 ? b.deadLetters() : undefined),
      15_000,
    );
    expect(letter).toMatchObject({
      destinationId: 'bad',
      reason: 'permanent',
      attempts: 1,
      lastError: `template timed out after ${TEMPLATE_TIMEOUT_MS} ms`,
    });
    const [delivered] = await api.waitFor(1);
    expect(delivered?.path).toBe('/good');
    expect(JSON.parse(delivered?.body ?? '')).toEqual({ message });
    expect(api.received.map((request) => request.path)).toEqual(['/good']);
  });
});
