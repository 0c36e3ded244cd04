// The AWS environment a test gives the bridge, and nothing from the machine: no profile files,
// no instance metadata (its timeouts are slow), only the variables the test names.
import { replaceEnv } from './lambda-runtime';

const AWS_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_EVENTBRIDGE',
  'AWS_ENDPOINT_URL_SNS',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
] as const;

/** Sets exactly `values` among the AWS variables; returns what puts the old ones back. */
export function useAwsEnv(values: Record<string, string>): () => void {
  return replaceEnv({
    ...Object.fromEntries(AWS_ENV.map((name) => [name, undefined])),
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...values,
  });
}
