// The worker's aws-iam signer as the Lambda builds it: the execution role's credentials from the
// variables Lambda sets (no SDK credential chain in the bundle), read when a request is signed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAwsRequestSigner, lambdaCredentials } from '../../lambda/adapters/aws/aws-request-signer';
import { SecretUnavailableError } from '../../lambda/core/errors';
import { verifySigV4 } from '../support/sigv4-verifier';

afterEach(() => {
  vi.unstubAllEnvs();
});

const request = {
  method: 'POST',
  url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/hook',
  headers: {},
  body: '{}',
};
const scope = { service: 'execute-api', region: 'eu-west-1' };

describe('the worker signer on the role variables', () => {
  it('signs with AWS_ACCESS_KEY_ID and sends AWS_SESSION_TOKEN, as the role has them when it signs', async () => {
    const sign = createAwsRequestSigner({ credentials: lambdaCredentials });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAROLEKEY');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'role-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'role-session-token');

    const headers = await sign(request, scope);

    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAROLEKEY\/\d{8}\/eu-west-1\/execute-api\//,
    );
    expect(headers['x-amz-security-token']).toBe('role-session-token');
    // The signature is the one the role's secret key makes, as AWS recomputes it.
    const url = new URL(request.url);
    const received = {
      method: request.method,
      path: url.pathname,
      headers: { host: url.host, ...headers },
      body: request.body,
      at: Date.now(),
    };
    const role = { accessKeyId: 'ASIAROLEKEY', sessionToken: 'role-session-token' };
    expect(await verifySigV4(received, { ...role, secretAccessKey: 'role-secret' })).toMatchObject({
      valid: true,
      service: 'execute-api',
      region: 'eu-west-1',
    });
    expect(await verifySigV4(received, { ...role, secretAccessKey: 'another-secret' })).toMatchObject({
      valid: false,
    });
  });

  it('fails the attempt as retryable, naming the variables, when they are not set', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    const error = await createAwsRequestSigner({ credentials: lambdaCredentials })(request, scope).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toBe(
      'aws-iam: no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set',
    );
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAROLEKEY');
    const one = await createAwsRequestSigner({ credentials: lambdaCredentials })(request, scope).catch(
      (e: unknown) => e,
    );
    expect((one as Error).message).toBe('aws-iam: no AWS credentials: AWS_SECRET_ACCESS_KEY not set');
  });
});
