// aws-iam auth end to end in local mode: the bridge signs each delivery with SigV4 using the
// standard AWS credential chain (here the AWS_* environment variables), and the destination
// verifies it with the SDK's own signer; without credentials the delivery is retried, then
// dead-lettered with the reason, and the session token never appears in logs or dead letters.
import { afterEach, describe, expect, it } from 'vitest';
import { useAwsEnv } from '../support/aws-env';
import { answer, type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, startTestBridge, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';
import { verifySigV4 } from '../support/sigv4-verifier';

const HMAC = 'aws-iam-signing-token';
const CREDENTIALS = {
  accessKeyId: 'AKIDBRIDGETEST000001',
  secretAccessKey: 'bridge/test/secret/access/key/000000000001',
  sessionToken: 'IQoJb3JpZ2luX2VjEBridgeSessionToken0000000000000001',
};

const open: Array<{ close(): Promise<void> }> = [];
let restoreEnv: (() => void) | undefined;
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  restoreEnv?.();
});

function credentialEnv(values: Record<string, string>): void {
  restoreEnv = useAwsEnv(values);
}

async function setup(auth: Record<string, unknown>): Promise<{ api: DestinationServer; bridge: TestBridge }> {
  const api = await startDestination(answer(200));
  open.push(api);
  const bridge = await startTestBridge(
    {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [
            {
              id: 'intake',
              url: `${api.url}/prod/hooks?source=tfe`,
              auth,
              retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
            },
          ],
        },
      ],
    },
    { hmac: HMAC },
  );
  open.push({ close: async () => void (await bridge.close(1_000)) });
  return { api, bridge };
}

const body = fixture('tfe-run-errored');
const post = (bridge: TestBridge) => fetch(`${bridge.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));

describe('aws-iam auth, local bridge end to end', () => {
  it('signs each delivery with SigV4 from the credential chain, verified by the SDK signer', async () => {
    credentialEnv({
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    });
    const { api, bridge } = await setup({
      type: 'aws-iam',
      service: 'execute-api',
      region: 'eu-west-1',
      invokeArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/hooks',
    });
    expect((await post(bridge)).status).toBe(202);
    const [received] = await api.waitFor(1);
    expect(received?.body).toBe(body);
    expect(received?.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    const check = await verifySigV4(received as NonNullable<typeof received>, CREDENTIALS);
    expect(check).toMatchObject({ valid: true, service: 'execute-api', region: 'eu-west-1' });
    // The body, its type and the idempotency key are all covered by the signature.
    expect(check.signedHeaders).toEqual(
      expect.arrayContaining([
        'host',
        'content-type',
        'idempotency-key',
        'x-amz-date',
        'x-amz-security-token',
      ]),
    );
    // A changed byte fails the same check: the verifier is not a rubber stamp.
    const tampered = { ...(received as NonNullable<typeof received>), body: `${body} ` };
    expect((await verifySigV4(tampered, CREDENTIALS)).valid).toBe(false);
    expect(bridge.logger.text()).not.toContain(CREDENTIALS.sessionToken);
  });

  it('retries without credentials, then dead-letters with the reason, sending nothing unsigned', async () => {
    credentialEnv({});
    const { api, bridge } = await setup({
      type: 'aws-iam',
      service: 'lambda',
      region: 'eu-west-1',
      invokeArn: 'arn:aws:lambda:eu-west-1:123456789012:function:intake',
    });
    expect((await post(bridge)).status).toBe(202);
    const [letter] = await eventually(() => {
      const letters = bridge.deadLetters();
      return letters.length > 0 ? letters : undefined;
    }, 30_000);
    expect(letter).toMatchObject({ reason: 'exhausted', attempts: 2, lastStatus: null });
    expect(letter?.lastError).toMatch(/^aws-iam: no AWS credentials/);
    expect(api.received).toEqual([]);
  });
});
