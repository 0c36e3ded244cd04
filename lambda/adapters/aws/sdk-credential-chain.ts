// The AWS SDK's standard credential chain (environment, profile, SSO, container and instance
// roles) as a CredentialSource, for the bridge on a machine: `serve` and the CLI. Loaded at the
// first aws-iam delivery; never imported by a Lambda entry (there lambdaCredentials does).
import type { CredentialSource } from './aws-request-signer';

export function sdkCredentialChain(): CredentialSource {
  let chain: Promise<CredentialSource> | undefined;
  return async () => {
    // Memoized by the SDK: refreshed shortly before temporary credentials expire.
    chain ??= import('@aws-sdk/credential-provider-node').then(({ defaultProvider }) => defaultProvider());
    return (await chain)();
  };
}
