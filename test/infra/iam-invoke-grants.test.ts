// aws-iam destinations in the stack: the worker may invoke exactly the API Gateway route or
// Function URL each names (derived from an execute-api URL in the stack's account, or the given
// invokeArn), the receiver nothing; no aws-iam destination, no invoke statement at all.
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { actionsOf, buildApp, removeTempDirs, resourcesOf, roleStatements, writeConfig } from './cdk-testing';

afterAll(removeTempDirs);

const CONFIG = `
routes:
  - id: hooks
    signingSecret: { secretId: hooks/hmac }
    destinations:
      - id: api
        url: https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/hooks/tfe
        auth: { type: aws-iam, service: execute-api }
      - id: fn
        url: https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/
        auth: { type: aws-iam, service: lambda, invokeArn: "arn:aws:lambda:eu-west-1:123456789012:function:intake" }
      - { id: plain, url: "https://api.example.com/hook" }
`;

const invokeStatements = (template: Template, role: string) =>
  roleStatements(template, role).filter((s) =>
    actionsOf(s).some((a) => a === 'execute-api:Invoke' || a === 'lambda:InvokeFunctionUrl'),
  );

describe('aws-iam invoke grants', () => {
  it('lets the worker invoke exactly the named API route and function URL', () => {
    const { stack } = buildApp({ configPath: writeConfig(CONFIG) });
    const template = Template.fromStack(stack);
    const statements = invokeStatements(template, 'WorkerRole');
    expect(statements.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [
        ['execute-api:Invoke'],
        [`arn:\${AWS::Partition}:execute-api:eu-west-1:\${AWS::AccountId}:a1b2c3d4e5/prod/POST/hooks/tfe`],
      ],
      [['lambda:InvokeFunctionUrl'], ['arn:aws:lambda:eu-west-1:123456789012:function:intake']],
    ]);
    expect(invokeStatements(template, 'ReceiverRole')).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('adds no invoke statement when no destination uses aws-iam', () => {
    const { stack } = buildApp({
      configPath: writeConfig(`
routes:
  - id: hooks
    signingSecret: { secretId: hooks/hmac }
    destinations: [{ id: plain, url: "https://api.example.com/hook" }]
`),
    });
    expect(invokeStatements(Template.fromStack(stack), 'WorkerRole')).toEqual([]);
  });

  it('lets the worker put events, publish and send to exactly the bus, topic and queue named', () => {
    const { stack } = buildApp({
      configPath: writeConfig(`
routes:
  - id: hooks
    signingSecret: { secretId: hooks/hmac }
    destinations:
      - { id: bus, eventbridge: { busName: terraform } }
      - { id: other-bus, eventbridge: { busName: "arn:aws:events:eu-west-1:210987654321:event-bus/central" } }
      - { id: topic, sns: { topicArn: "arn:aws:sns:eu-west-1:123456789012:runs.fifo" } }
      - { id: queue, sqs: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/runs" } }
      - { id: queue-again, sqs: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/runs" } }
`),
    });
    const template = Template.fromStack(stack);
    const TARGET_ACTIONS = ['events:PutEvents', 'sns:Publish', 'sqs:SendMessage'];
    const targetStatements = (role: string) =>
      // The worker's own dead-letter queue statement (SendMessage among others) is not one of them.
      roleStatements(template, role).filter((s) => actionsOf(s).every((a) => TARGET_ACTIONS.includes(a)));
    expect(targetStatements('WorkerRole').map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [
        ['events:PutEvents'],
        [
          // CDK lists a plain ARN before one with tokens.
          'arn:aws:events:eu-west-1:210987654321:event-bus/central',
          `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/terraform`,
        ],
      ],
      [['sns:Publish'], ['arn:aws:sns:eu-west-1:123456789012:runs.fifo']],
      [['sqs:SendMessage'], [`arn:\${AWS::Partition}:sqs:eu-west-1:123456789012:runs`]],
    ]);
    expect(targetStatements('ReceiverRole')).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});
