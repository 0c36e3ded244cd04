// `auth: { type: aws-iam }` at load: what the stack can grant invoke on must be known (derived
// from an API Gateway URL, or given as invokeArn), headers the signature sets are refused, and
// the region a URL names is read from its host.
import { describe, expect, it } from 'vitest';
import { invokeTargetOf, regionOfAwsUrl } from '../../../lambda/core/config/aws-iam';
import { parseConfig } from '../../../lambda/core/config/parse';
import { ConfigError } from '../../../lambda/core/errors';

const API_URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/hooks/tfe';
const FN_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/';
const at = 'routes[0].destinations[0]';

function problemsOf(destination: Record<string, unknown>): string[] {
  try {
    parseConfig({
      routes: [
        { id: 'runs', signingSecret: { secretId: 'hmac' }, destinations: [{ id: 'intake', ...destination }] },
      ],
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('aws-iam auth in the config', () => {
  it('accepts an API Gateway URL (the ARN is derived) and a Function URL with its function ARN', () => {
    expect(problemsOf({ url: API_URL, auth: { type: 'aws-iam', service: 'execute-api' } })).toEqual([]);
    expect(
      problemsOf({
        url: FN_URL,
        auth: {
          type: 'aws-iam',
          service: 'lambda',
          invokeArn: 'arn:aws:lambda:eu-central-1:123456789012:function:intake',
        },
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'a Function URL without invokeArn',
      { url: FN_URL, auth: { type: 'aws-iam', service: 'lambda' } },
      `${at}.auth.invokeArn: needs invokeArn: the function's ARN (a Function URL's host does not name its function)`,
    ],
    [
      'a URL from a secret without invokeArn',
      { url: { secret: { secretId: 'url' } }, auth: { type: 'aws-iam', service: 'execute-api' } },
      `${at}.auth.invokeArn: needs invokeArn when the URL comes from a secret (synth cannot read it to derive one)`,
    ],
    [
      'a custom domain without invokeArn',
      { url: 'https://hooks.example.com/tfe', auth: { type: 'aws-iam', service: 'execute-api' } },
      `${at}.auth.invokeArn: needs invokeArn: the URL is not an API Gateway URL (https://{api}.execute-api.{region}.amazonaws.com/{stage}/...) to derive one from`,
    ],
    [
      'a service it cannot grant',
      { url: API_URL, auth: { type: 'aws-iam', service: 's3' } },
      `${at}.auth.service: must be one of: execute-api, lambda`,
    ],
    [
      'a bad region',
      { url: API_URL, auth: { type: 'aws-iam', service: 'execute-api', region: 'Ireland' } },
      `${at}.auth.region: must be an AWS region such as eu-west-1`,
    ],
    [
      'an invokeArn of another service',
      { url: API_URL, auth: { type: 'aws-iam', service: 'execute-api', invokeArn: 'arn:aws:s3:::bucket' } },
      `${at}.auth.invokeArn: must be an execute-api or lambda ARN (arn:aws:...:REGION:ACCOUNT:...)`,
    ],
    [
      'a static X-Amz-Date header',
      { url: API_URL, auth: { type: 'aws-iam', service: 'execute-api' }, headers: { 'X-Amz-Date': '1' } },
      `${at}.headers.X-Amz-Date: is set by the SigV4 signature of aws-iam auth, which would replace it`,
    ],
  ])('refuses %s', (_, destination, problem) => {
    expect(problemsOf(destination)).toEqual([problem]);
  });

  it('reads the region from API Gateway and Function URL hosts only', () => {
    expect(regionOfAwsUrl(API_URL)).toBe('eu-west-1');
    expect(regionOfAwsUrl(FN_URL)).toBe('eu-central-1');
    expect(regionOfAwsUrl('https://a1.execute-api.cn-north-1.amazonaws.com.cn/prod')).toBe('cn-north-1');
    expect(regionOfAwsUrl('https://execute-api.eu-west-1.amazonaws.com.evil.example/prod')).toBeUndefined();
    expect(regionOfAwsUrl('not a url')).toBeUndefined();
  });

  it('derives the API, stage and path the stack grants execute-api:Invoke on', () => {
    expect(invokeTargetOf({ type: 'aws-iam', service: 'execute-api' }, API_URL)).toEqual({
      api: { id: 'a1b2c3d4e5', region: 'eu-west-1', stage: 'prod', path: 'hooks/tfe' },
    });
  });
});
