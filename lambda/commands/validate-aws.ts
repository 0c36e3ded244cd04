// `tfe-bridge validate --aws`: does every secret the config names exist in Secrets Manager, with a
// value to read? DescribeSecret only: no value is read, so the role running it needs no more than
// secretsmanager:DescribeSecret. The AWS SDK, not the receiver's small client: a person at a
// terminal has profiles, SSO and config files, which the SDK's default chains resolve.
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { BridgeConfig } from '../core/config/schema';
import { namedSecrets } from '../core/config/secret-check';
import { UsageError } from './args';

/** Secrets described at once: a config names a handful; a big one should not be throttled. */
const CONCURRENT_CALLS = 4;

export interface AwsSecretCheck {
  /** `routes[0].signingSecret: secret "x" not found in Secrets Manager (eu-west-1)` */
  problems: string[];
  /** Distinct secrets described. */
  described: number;
  region: string;
}

type Described = { problem: string | null };

async function describe(client: SecretsManagerClient, secretId: string, region: string): Promise<Described> {
  try {
    const secret = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    if (secret.DeletedDate !== undefined) {
      return { problem: 'is scheduled for deletion: restore it (aws secretsmanager restore-secret)' };
    }
    const stages = Object.values(secret.VersionIdsToStages ?? {}).flat();
    if (!stages.includes('AWSCURRENT')) {
      return { problem: 'has no value yet (no AWSCURRENT version): aws secretsmanager put-secret-value' };
    }
    return { problem: null };
  } catch (error) {
    const { name, message } = error as Error;
    if (name === 'ResourceNotFoundException') return { problem: `not found in Secrets Manager (${region})` };
    // Secrets a role may not describe are problems of that secret; the check goes on.
    if (name === 'AccessDeniedException') return { problem: `cannot be described: ${message}` };
    throw error;
  }
}

/** The region the SDK would use, or a usage error that says how to set one. */
async function regionOf(client: SecretsManagerClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    throw new UsageError('--aws needs a region: set AWS_REGION, or AWS_PROFILE with a profile that has one');
  }
}

export async function checkSecretsInAws(config: BridgeConfig): Promise<AwsSecretCheck> {
  // Region, credentials and endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER) from the standard settings.
  const client = new SecretsManagerClient({
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 },
  });
  try {
    const region = await regionOf(client);
    const named = namedSecrets(config);
    const ids = [...new Set(named.map(({ ref }) => ref.secretId))];
    const results = new Map<string, Described>();
    const queue = [...ids];
    const work = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        results.set(id, await describe(client, id, region));
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(CONCURRENT_CALLS, ids.length) }, work));
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'CredentialsProviderError')
        throw new UsageError(`--aws found no AWS credentials: ${message}`);
      throw new Error(`Secrets Manager DescribeSecret failed: ${name}: ${message}`);
    }
    const problems = named.flatMap(({ path, ref }) => {
      const problem = results.get(ref.secretId)?.problem;
      return problem ? [`${path}: secret "${ref.secretId}" ${problem}`] : [];
    });
    return { problems, described: ids.length, region };
  } finally {
    client.destroy();
  }
}
