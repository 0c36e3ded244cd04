// The standard endpoint of a service in a region, for every partition the AWS SDK knows, without
// the SDK's endpoint rules engine. The table mirrors the SDK's partitions data; a test compares it
// with the SDK in node_modules (ids, DNS suffixes, and the endpoints its SQS, Secrets Manager and
// DynamoDB clients resolve), so a new partition or suffix fails a test instead of calling the wrong host.

import { RequestError } from '../../core/errors';
import type { AwsEndpointResolver } from '../../core/ports';

export interface AwsPartition {
  id: string;
  /** Regions of the partition, as the SDK's `regionRegex` matches them. */
  regions: RegExp;
  dnsSuffix: string;
}

/** `aws` is also the fallback for a region no pattern matches, as in the SDK. */
export const AWS_PARTITIONS: readonly AwsPartition[] = [
  { id: 'aws', regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
  { id: 'aws-cn', regions: /^cn-\w+-\d+$/, dnsSuffix: 'amazonaws.com.cn' },
  { id: 'aws-eusc', regions: /^eusc-(de)-\w+-\d+$/, dnsSuffix: 'amazonaws.eu' },
  { id: 'aws-iso', regions: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov' },
  { id: 'aws-iso-b', regions: /^us-isob-\w+-\d+$/, dnsSuffix: 'sc2s.sgov.gov' },
  { id: 'aws-iso-e', regions: /^eu-isoe-\w+-\d+$/, dnsSuffix: 'cloud.adc-e.uk' },
  { id: 'aws-iso-f', regions: /^us-isof-\w+-\d+$/, dnsSuffix: 'csp.hci.ic.gov' },
  { id: 'aws-us-gov', regions: /^us-gov-\w+-\d+$/, dnsSuffix: 'amazonaws.com' },
];

const [DEFAULT_PARTITION] = AWS_PARTITIONS as [AwsPartition];

/** The partition of `region`; the SDK's `<id>-global` pseudo-regions belong to their own. */
export function partitionOf(region: string): AwsPartition {
  return (
    AWS_PARTITIONS.find((p) => region === `${p.id}-global`) ??
    AWS_PARTITIONS.find((p) => p.regions.test(region)) ??
    DEFAULT_PARTITION
  );
}

/** `https://sqs.cn-north-1.amazonaws.com.cn`: the endpoint the SDK resolves without FIPS or dual-stack. */
export function standardEndpoint(endpointPrefix: string, region: string): string {
  return `https://${endpointPrefix}.${region}.${partitionOf(region).dnsSuffix}`;
}

/** The `AWS_ENDPOINT_URL_<ID>` of each AWS-native destination's service, as the SDK names them. */
const TARGET_ENDPOINT_ENV = { events: 'EVENTBRIDGE', sns: 'SNS', sqs: 'SQS' } as const;

/** The AwsEndpointResolver port from the environment, as the SDK reads it: the region from
 *  AWS_REGION, the endpoint overrides unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. */
export function createAwsEndpointResolver(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AwsEndpointResolver {
  return (service, region) => {
    const resolved = region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION);
    if (!resolved) {
      throw new RequestError(
        `${service}: no region: name it in the config (a region field or an ARN) or set AWS_REGION where the bridge runs`,
      );
    }
    const configured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() !== 'true';
    const override = configured
      ? env[`AWS_ENDPOINT_URL_${TARGET_ENDPOINT_ENV[service]}`] || env.AWS_ENDPOINT_URL
      : undefined;
    return { url: override || standardEndpoint(service, resolved), region: resolved };
  };
}
