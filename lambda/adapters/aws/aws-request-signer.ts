// The AwsRequestSigner port on this machine's AWS credentials: the SDK's standard provider chain
// (environment, profile, SSO, container and instance roles; on Lambda the execution role's
// variables), loaded at the first aws-iam delivery, and SigV4 from sigv4.ts.
import { RequestError, SecretUnavailableError } from '../../core/errors';
import type { AwsRequestSigner } from '../../core/ports';
import { type AwsCredentials, signRequest } from './sigv4';

/** Headers the AWS SDK never signs, as proxies may change them on the way (user-agent among
 *  them): the same set as @smithy/signature-v4, so AWS verifies what arrives. */
const UNSIGNED_HEADERS = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

export type CredentialSource = () => Promise<AwsCredentials>;

/** What SecretUnavailableError names in logs and dead letters for the AWS credentials. */
export const AWS_CREDENTIALS_ID = 'aws-credentials';

async function providerChain(): Promise<CredentialSource> {
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  // Memoized by the SDK: refreshed shortly before temporary credentials expire.
  return defaultProvider();
}

export function createAwsRequestSigner(
  options: { credentials?: CredentialSource; region?: string | undefined; now?: () => Date } = {},
): AwsRequestSigner {
  let source: Promise<CredentialSource> | undefined =
    options.credentials && Promise.resolve(options.credentials);
  const defaultRegion = options.region ?? process.env.AWS_REGION;
  return async (request, scope) => {
    const region = scope.region ?? defaultRegion;
    if (!region) {
      throw new RequestError(
        'aws-iam: the region is not in the URL: set auth.region in the config (or AWS_REGION where the bridge runs)',
      );
    }
    source ??= providerChain();
    let credentials: AwsCredentials;
    try {
      credentials = await (await source)();
    } catch (error) {
      // No credentials now (expired profile, metadata service down): may work on a later try.
      throw new SecretUnavailableError(
        `aws-iam: no AWS credentials: ${(error as Error).message.split('\n')[0]}`,
        AWS_CREDENTIALS_ID,
        { cause: error },
      );
    }
    const url = new URL(request.url);
    const signable = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !UNSIGNED_HEADERS.has(name.toLowerCase())),
    );
    return signRequest(
      { method: request.method, url, headers: signable, body: request.body },
      { credentials, region, service: scope.service, date: (options.now ?? (() => new Date()))() },
    );
  };
}
