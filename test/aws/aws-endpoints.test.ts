// The Lambdas' endpoint table against the AWS SDK in node_modules: the same partitions and DNS
// suffixes as the SDK's partitions data, and, for every region the SDK lists (plus one made up
// per partition, matched by pattern), the same SQS, Secrets Manager and DynamoDB endpoints its clients
// resolve. An SDK update that adds a partition or moves a suffix fails here.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { AWS_PARTITIONS, partitionOf } from '../../lambda/adapters/aws/aws-endpoints';
import {
  awsJsonClientFromEnv,
  DYNAMODB,
  SECRETS_MANAGER,
  SQS,
} from '../../lambda/adapters/aws/aws-json-client';

// The SDK warns that it will soon need Node 22 (Lambda runs 24, this machine 20).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

interface SdkPartition {
  id: string;
  outputs: { dnsSuffix: string };
  regionRegex: string;
  regions: Record<string, unknown>;
}

// Not exported by @aws-sdk/core (only its `partition()` lookup is), so read from its dist.
const sdkCore = dirname(createRequire(import.meta.url).resolve('@aws-sdk/core/package.json'));
const { partitionsInfo } = (await import(
  pathToFileURL(join(sdkCore, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js')).href
)) as { partitionsInfo: { partitions: SdkPartition[] } };
const sdkPartitions = partitionsInfo.partitions;

/** A region the SDK does not list but its pattern accepts: `<listed prefix>-<a new number>`. */
function unlistedRegion(partition: SdkPartition): string {
  const listed = Object.keys(partition.regions).find((r) => new RegExp(partition.regionRegex).test(r));
  if (!listed) throw new Error(`partition ${partition.id} lists no region its pattern matches`);
  const made = listed.replace(/\d+$/, '97');
  expect(Object.keys(partition.regions)).not.toContain(made);
  expect(new RegExp(partition.regionRegex).test(made)).toBe(true);
  return made;
}

const regions = sdkPartitions.flatMap((p) => [
  ...Object.keys(p.regions).map((region) => [p.id, region] as const),
  [p.id, unlistedRegion(p)] as const,
]);

const env = { AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' };
const sdkEndpoint = (client: SQSClient | SecretsManagerClient | DynamoDBClient, region: string) =>
  client.config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false }).url.href;

describe('endpoints in every partition', () => {
  it('has the SDK partitions, each with its DNS suffix', () => {
    const ours = AWS_PARTITIONS.map((p) => [p.id, p.dnsSuffix]);
    const sdk = sdkPartitions.map((p) => [p.id, p.outputs.dnsSuffix]);
    expect(ours.sort()).toEqual(sdk.sort());
  });

  it.each(regions)('%s: %s resolves to the endpoints the SDK clients resolve', (partitionId, region) => {
    expect(partitionOf(region).id).toBe(partitionId);
    const sqs = new SQSClient({ region });
    const secretsManager = new SecretsManagerClient({ region });
    expect(awsJsonClientFromEnv(SQS, {}, { ...env, AWS_REGION: region }).endpoint.href).toBe(
      sdkEndpoint(sqs, region),
    );
    expect(awsJsonClientFromEnv(SECRETS_MANAGER, {}, { ...env, AWS_REGION: region }).endpoint.href).toBe(
      sdkEndpoint(secretsManager, region),
    );
    expect(awsJsonClientFromEnv(DYNAMODB, {}, { ...env, AWS_REGION: region }).endpoint.href).toBe(
      sdkEndpoint(new DynamoDBClient({ region }), region),
    );
  });

  it('falls back to the aws partition for a region no pattern knows, as the SDK does', () => {
    const region = 'zz-nowhere-1';
    expect(partitionOf(region).id).toBe('aws');
    expect(awsJsonClientFromEnv(SQS, {}, { ...env, AWS_REGION: region }).endpoint.href).toBe(
      sdkEndpoint(new SQSClient({ region }), region),
    );
  });

  it.each(['us-east-1.evil.example/x', 'eu-west-1:443', 'EU-WEST-1', ''.padEnd(64, 'a')])(
    'refuses AWS_REGION %j, which would make another host',
    (region) => {
      expect(() => awsJsonClientFromEnv(SQS, {}, { ...env, AWS_REGION: region })).toThrow(
        /AWS_REGION ".*" is not a region name/,
      );
    },
  );

  it('keeps AWS_ENDPOINT_URL_<SERVICE> over the partition endpoint', () => {
    const client = awsJsonClientFromEnv(
      SQS,
      {},
      { ...env, AWS_REGION: 'us-isob-east-1', AWS_ENDPOINT_URL_SQS: 'https://sqs.vpce.example' },
    );
    expect(client.endpoint.href).toBe('https://sqs.vpce.example/');
  });
});
