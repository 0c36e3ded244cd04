// The AwsRequestSigner port: SigV4 from sigv4.ts with the credentials of where the bridge runs. On
// Lambda those are the execution role's variables (lambdaCredentials); on a machine, the SDK's
// standard provider chain (sdk-credential-chain.ts), which stays out of the Lambda bundles.
import { RequestError, SecretUnavailableError } from '../../core/errors';
import type { AwsRequestSigner } from '../../core/ports';
import { firstLineOf } from './aws-error';
import { credentialsFromEnv } from './aws-json-client';
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

/** The execution role's credentials, which Lambda sets as variables (what the SDK's chain finds
 *  first there); read at each signing, as cheap as the SDK's memoized chain. */
export const lambdaCredentials: CredentialSource = async () => {
  const read = credentialsFromEnv();
  if ('missing' in read) throw new Error(`${read.missing.join(' and ')} not set`);
  return read.credentials;
};

export function createAwsRequestSigner(options: {
  credentials: CredentialSource;
  region?: string | undefined;
  now?: () => Date;
}): AwsRequestSigner {
  const defaultRegion = options.region ?? process.env.AWS_REGION;
  return async (request, scope) => {
    const region = scope.region ?? defaultRegion;
    if (!region) {
      throw new RequestError(
        'aws-iam: the region is not in the URL: set auth.region in the config (or AWS_REGION where the bridge runs)',
      );
    }
    let credentials: AwsCredentials;
    try {
      credentials = await options.credentials();
    } catch (error) {
      // No credentials now (expired profile, metadata service down): may work on a later try.
      throw new SecretUnavailableError(
        `aws-iam: no AWS credentials: ${firstLineOf((error as Error).message)}`,
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
