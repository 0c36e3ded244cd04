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
});
