// `auth: { type: aws-iam }`: a destination behind AWS IAM (API Gateway with IAM authorization, a
// Lambda Function URL with auth AWS_IAM), signed with Signature Version 4 as the worker's role.
// The config part: its schema, the region a URL names, and the ARN the stack grants invoke on.
import * as z from 'zod';
import { regionSchema } from './aws-targets';

/** The services whose invoke permission the stack knows how to grant. */
export const AWS_IAM_SERVICES = {
  'execute-api': { action: 'execute-api:Invoke' },
  lambda: { action: 'lambda:InvokeFunctionUrl' },
} as const;
export type AwsIamService = keyof typeof AWS_IAM_SERVICES;
const SERVICES = Object.keys(AWS_IAM_SERVICES) as [AwsIamService, ...AwsIamService[]];

const ARN = /^arn:aws[a-z-]*:(execute-api|lambda):[a-z0-9-]+:\d{12}:.+$/;

export const awsIamAuthSchema = z.strictObject({
  type: z
    .literal('aws-iam')
    .describe(
      "Signs each request with AWS Signature Version 4: on AWS as the worker's role, locally with the standard AWS credential chain.",
    ),
  service: z
    .enum(SERVICES, { error: `must be one of: ${SERVICES.join(', ')}` })
    .describe(
      'The signing name: execute-api (API Gateway, IAM authorization) or lambda (Function URL, auth AWS_IAM).',
    ),
  region: regionSchema
    .optional()
    .describe(
      "The endpoint's region. Default: the one in an API Gateway or Function URL host, else AWS_REGION.",
    ),
  invokeArn: z
    .string()
    .regex(ARN, 'must be an execute-api or lambda ARN (arn:aws:...:REGION:ACCOUNT:...)')
    .optional()
    .meta({
      description:
        "What the stack lets the worker invoke: the function's ARN for a Function URL (required: its host does not name the function), an execute-api ARN for API Gateway (default: derived from the URL, in the stack's account).",
      examples: [
        'arn:aws:lambda:eu-west-1:123456789012:function:intake',
        'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/hooks',
      ],
    }),
});

export type AwsIamAuth = z.infer<typeof awsIamAuthSchema>;

/** `eu-west-1` from an API Gateway (`{api}.execute-api.{region}.amazonaws.com`) or Function URL
 *  (`{id}.lambda-url.{region}.on.aws`) host; undefined for any other. */
export function regionOfAwsUrl(url: string): string | undefined {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return /^[a-z0-9]+\.(?:execute-api|lambda-url)\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws)$/.exec(
    host,
  )?.[1];
}

/**
 * The ARN to grant invoke on, without partition and account where the URL is all there is:
 * `{ api, region, stage, path }` for an execute-api URL. A problem when neither gives one.
 */
export function invokeTargetOf(
  auth: AwsIamAuth,
  url: string | { secret: unknown },
):
  | { arn: string }
  | { api: { id: string; region: string; stage: string; path: string } }
  | { problem: string } {
  if (auth.invokeArn) return { arn: auth.invokeArn };
  if (auth.service === 'lambda') {
    return {
      problem: "needs invokeArn: the function's ARN (a Function URL's host does not name its function)",
    };
  }
  if (typeof url !== 'string') {
    return {
      problem: 'needs invokeArn when the URL comes from a secret (synth cannot read it to derive one)',
    };
  }
  const parsed = new URL(url);
  const id = /^([a-z0-9]+)\.execute-api\./.exec(parsed.hostname)?.[1];
  const region = auth.region ?? regionOfAwsUrl(url);
  const [stage, ...rest] = parsed.pathname.split('/').filter(Boolean);
  if (!id || !region || !stage) {
    return {
      problem:
        'needs invokeArn: the URL is not an API Gateway URL (https://{api}.execute-api.{region}.amazonaws.com/{stage}/...) to derive one from',
    };
  }
  return { api: { id, region, stage, path: rest.join('/') } };
}
