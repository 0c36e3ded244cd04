// An empty signing key is one anyone can sign with: the real local bridge refuses it like the
// REPLACE_ME placeholder (503, a log line naming the secret), in every form it can take, and a
// blanked key in a rotation list verifies nothing while the other key still works.
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import { fixture } from '../support/fixtures';
import type { TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const TOKEN = 'empty-key-test-signing-token';

const { destination, bridge: startBridge } = closeAfterEach();

async function bridge(signingSecret: unknown, secrets: Record<string, unknown>): Promise<TestBridge> {
  const api = await destination();
  return startBridge(
    {
      routes: [
        { id: 'runs', signingSecret, allowInsecureHttp: true, destinations: [{ id: 'api', url: api.url }] },
      ],
    },
    secrets,
  );
}

const post = (b: TestBridge, secret: string) =>
  fetch(`${b.url}/hooks/runs`, signedRequest({ body: fixture('tfe-run-errored'), secret }));

describe('an empty signing secret', () => {
  it.each([
    ['an empty string', { secretId: 'hmac' }, { hmac: '' }, ''],
    ['only whitespace (empty once trimmed)', { secretId: 'hmac' }, { hmac: ' \n\t' }, ' \n\t'],
    ['an empty jsonKey value', { secretId: 'hmac', jsonKey: 'token' }, { hmac: { token: '' } }, ''],
    [
      'every key of a rotation list blanked',
      [{ secretId: 'hmac' }, { secretId: 'old' }],
      { hmac: '', old: '' },
      '',
    ],
  ])(
    'held as %s: a request signed with it gets 503 and the log names the secret',
    async (_case, ref, secrets, key) => {
      const b = await bridge(ref, secrets);
      const response = await post(b, key);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ error: 'secret_unavailable' });
      const [failure] = b.logger.withMessage('request failed');
      expect(failure?.error).toMatch(
        /^route "runs" has no usable signing key: secret "hmac" \(signingSecret(\[0\])?\) is empty/,
      );
    },
  );

  it.each([
    ['an empty key', { hmac: { token: '' } }],
    ['a plain string where a jsonKey is read', { hmac: TOKEN }],
  ])('takes the fixed secret at once, without a restart, after %s', async (_case, broken) => {
    const b = await bridge({ secretId: 'hmac', jsonKey: 'token' }, broken);
    b.writeSecrets({ hmac: { token: TOKEN } });
    expect((await post(b, TOKEN)).status).toBe(202);
    expect(b.logger.withMessage('signing secrets re-read after an unusable signing secret')).toHaveLength(1);
  });

  it('in a rotation list where the retired key was blanked: the empty key gets 401, the real one 202', async () => {
    const b = await bridge([{ secretId: 'hmac' }, { secretId: 'old' }], { hmac: TOKEN, old: '' });
    expect((await post(b, '')).status).toBe(401);
    expect((await post(b, TOKEN)).status).toBe(202);
  });
});
