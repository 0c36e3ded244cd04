// The stack with `replayGuard` enabled: a DynamoDB table with TTL and point-in-time recovery,
// GetItem and PutItem (only) for the receiver, its name in the receiver's environment; none of it
// otherwise. (The delivery-state table, always there, is test/infra/delivery-state-stack.test.ts.)
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  buildApp,
  onlyResource,
  removeTempDirs,
  roleStatements,
  writeConfig,
} from './cdk-testing';

afterAll(removeTempDirs);

const config = (replayGuard: string) => `
${replayGuard}
routes:
  - id: hooks
    signingSecret: { secretId: hooks/hmac }
    destinations:
      - id: api
        url: https://api.example.com/hook
`;

/** The delivery-state table: the one keyed by partition and sort key. */
const deliveryState = (template: Template) =>
  onlyResource(template, 'AWS::DynamoDB::Table', {
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  })[0];

/** The dead-letter archive: the one keyed by `id`. */
const archive = (template: Template) =>
  onlyResource(template, 'AWS::DynamoDB::Table', {
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  })[0];

const functionId = (template: Template, entry: string) =>
  Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith(entry)) ?? '';

describe('replay guard in the stack', () => {
  it('creates the table, lets the receiver GetItem and PutItem on it and nothing else, and stays cdk-nag clean', () => {
    const { stack } = buildApp({ configPath: writeConfig(config('replayGuard: { ttlSeconds: 86400 }')) });
    const template = Template.fromStack(stack);
    const [table] = onlyResource(template, 'AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });

    const receiver = template.toJSON().Resources[functionId(template, 'Receiver')];
    expect(receiver.Properties.Environment.Variables.REPLAY_GUARD_TABLE).toEqual({ Ref: table });

    const dynamoStatements = (role: string) =>
      roleStatements(template, role).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamoStatements('ReceiverRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      },
    ]);
    // The worker's DynamoDB statements are on the delivery-state table and the dead-letter
    // archive, never on the guard's.
    const workerResources = dynamoStatements('WorkerRole').map((s) => s.Resource);
    expect(workerResources).toEqual([
      { 'Fn::GetAtt': [deliveryState(template), 'Arn'] },
      { 'Fn::GetAtt': [archive(template), 'Arn'] },
    ]);

    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations).toEqual([]);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('creates no guard table and no variable when the config leaves the guard off', () => {
    const { stack } = buildApp({ configPath: writeConfig(config('')) });
    const template = Template.fromStack(stack);
    // Only the delivery-state table (the worker keeps state in it) and the dead-letter archive.
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table')).sort()).toEqual(
      [deliveryState(template), archive(template)].sort(),
    );
    const receiver = template.toJSON().Resources[functionId(template, 'Receiver')];
    expect(receiver.Properties.Environment.Variables.REPLAY_GUARD_TABLE).toBeUndefined();
  });
});
