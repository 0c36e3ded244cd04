// AWS-native destinations: an EventBridge bus, an SNS topic or an SQS queue in place of a URL.
// The config part: their schemas, and where each one is (region, account, name) for the request
// and for the least-privilege grant the stack makes.
import * as z from 'zod';

// Two to four letters first: `eusc-de-east-1` (the European Sovereign Cloud) as well as `eu-west-1`.
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/;
export const regionSchema = z.string().regex(REGION, 'must be an AWS region such as eu-west-1');
const PARTITION = 'aws[a-z-]*';
const BUS_NAME = /^[A-Za-z0-9._\-/]{1,256}$/;
const BUS_ARN = new RegExp(
  `^arn:${PARTITION}:events:([a-z0-9-]+):(\\d{12}):event-bus/([A-Za-z0-9._\\-/]{1,256})$`,
);
// A topic name is at most 256 characters and a queue name 80, a FIFO one's `.fifo` included.
const TOPIC_ARN = new RegExp(
  `^arn:${PARTITION}:sns:([a-z0-9-]+):(\\d{12}):((?=[A-Za-z0-9_.-]{1,256}$)[A-Za-z0-9_-]+(?:\\.fifo)?)$`,
);
/** `https://sqs.eu-west-1.amazonaws.com/123456789012/jobs.fifo`, in any partition's DNS suffix. */
const QUEUE_URL =
  /^https:\/\/sqs\.([a-z]{2,4}(?:-[a-z]+)+-\d+)\.[a-z0-9.-]+\/(\d{12})\/((?=[A-Za-z0-9_.-]{1,80}$)[A-Za-z0-9_-]+(?:\.fifo)?)$/;

export const eventBridgeTargetSchema = z
  .strictObject({
    busName: z
      .string()
      .refine((v) => BUS_ARN.test(v) || (BUS_NAME.test(v) && !v.startsWith('arn:')), {
        error:
          'must be an event bus name (such as default) or ARN (arn:aws:events:REGION:ACCOUNT:event-bus/NAME)',
      })
      .meta({
        description: "The event bus: its name in the stack's account and region, or its ARN.",
        examples: ['default', 'arn:aws:events:eu-west-1:123456789012:event-bus/terraform'],
      }),
    region: regionSchema
      .optional()
      .describe("The bus's region when busName is a name. Default: the worker's (AWS_REGION)."),
    source: z
      .string()
      .min(1)
      .max(256)
      .refine((v) => !v.startsWith('aws.'), {
        error: 'must not start with "aws." (reserved for AWS services)',
      })
      .default('tfe-bridge')
      .describe("The events' `source`, what rules match on. Default: tfe-bridge."),
    detailType: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .describe(
        "The events' `detail-type`. Default: the notification's trigger (run:completed, assessment:drifted, or an HCP event's source:action), or its kind (run, assessment, ...) when the trigger is empty, over 128 characters or not printable ASCII.",
      ),
  })
  // An ARN names its region: a region beside it would be silently unused (or contradict it).
  .refine((target) => target.region === undefined || !BUS_ARN.test(target.busName), {
    path: ['region'],
    error: 'is only for a bus named by name: the ARN in busName names its region (remove region)',
  })
  .meta({
    description:
      'Sends each notification as one event to an EventBridge bus (PutEvents), with the rendered template as its detail.',
    examples: [{ busName: 'default', detailType: 'Terraform run' }],
  });

export const snsTargetSchema = z
  .strictObject({
    topicArn: z
      .string()
      .regex(TOPIC_ARN, 'must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)')
      .describe('The topic: its ARN (a FIFO topic ends in .fifo).'),
  })
  .meta({
    description: 'Publishes each notification to an SNS topic, the rendered template as the message.',
    examples: [{ topicArn: 'arn:aws:sns:eu-west-1:123456789012:terraform-runs' }],
  });

export const sqsTargetSchema = z
  .strictObject({
    queueUrl: z
      .string()
      .regex(QUEUE_URL, 'must be an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)')
      .describe('The queue: its URL, which names its region and account (a FIFO queue ends in .fifo).'),
  })
  .meta({
    description: 'Sends each notification to an SQS queue, the rendered template as the message body.',
    examples: [{ queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/terraform-runs.fifo' }],
  });

export const AWS_TARGET_KINDS = ['eventbridge', 'sns', 'sqs'] as const;

/** A destination's AWS target fields, as the schema leaves them. */
export interface AwsTargetFields {
  eventbridge?: z.infer<typeof eventBridgeTargetSchema> | undefined;
  sns?: z.infer<typeof snsTargetSchema> | undefined;
  sqs?: z.infer<typeof sqsTargetSchema> | undefined;
}

/** Where an AWS target is. `region`/`account` undefined: the worker's own (a bus named by name). */
export type AwsTarget =
  | {
      kind: 'eventbridge';
      service: 'events';
      region: string | undefined;
      account: string | undefined;
      /** The bus's name (what the grant's ARN ends in). */
      name: string;
      config: z.infer<typeof eventBridgeTargetSchema>;
    }
  | { kind: 'sns'; service: 'sns'; region: string; account: string; name: string; arn: string; fifo: boolean }
  | {
      kind: 'sqs';
      service: 'sqs';
      region: string;
      account: string;
      name: string;
      url: string;
      fifo: boolean;
    };

/** The destination's AWS target, or undefined for a URL destination. Assumes a parsed config. */
export function awsTargetOf(destination: AwsTargetFields): AwsTarget | undefined {
  const { eventbridge, sns, sqs } = destination;
  if (eventbridge) {
    const arn = BUS_ARN.exec(eventbridge.busName);
    return {
      kind: 'eventbridge',
      service: 'events',
      region: arn?.[1] ?? eventbridge.region,
      account: arn?.[2],
      name: arn?.[3] ?? eventbridge.busName,
      config: eventbridge,
    };
  }
  if (sns) {
    const [, region = '', account = '', name = ''] = TOPIC_ARN.exec(sns.topicArn) ?? [];
    return {
      kind: 'sns',
      service: 'sns',
      region,
      account,
      name,
      arn: sns.topicArn,
      fifo: name.endsWith('.fifo'),
    };
  }
  if (sqs) {
    const [, region = '', account = '', name = ''] = QUEUE_URL.exec(sqs.queueUrl) ?? [];
    return {
      kind: 'sqs',
      service: 'sqs',
      region,
      account,
      name,
      url: sqs.queueUrl,
      fifo: name.endsWith('.fifo'),
    };
  }
  return undefined;
}
