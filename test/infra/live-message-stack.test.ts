// The stack with a `live` destination: a live-message table with TTL, GetItem and PutItem (only)
// for the worker, its name in the worker's environment; none of it without a live destination.
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

const config = (live: string) => `
routes:
  - id: hooks
    signingSecret: { secretId: hooks/hmac }
    destinations:
      - id: discord
        url: { secret: { secretId: hooks/discord-url } }
        template: { preset: discord }
        ${live}
`;

const functionId = (template: Template, entry: string) =>
  Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith(entry)) ?? '';

const dynamoStatements = (template: Template, role: string) =>
  roleStatements(template, role).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

describe('live messages in the stack', () => {
  it('creates the table with TTL, lets the worker get and put items in it only, and stays cdk-nag clean', () => {
    const { stack } = buildApp({ configPath: writeConfig(config('live: true')) });
    const template = Template.fromStack(stack);
    const [table] = onlyResource(template, 'AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    const worker = template.toJSON().Resources[functionId(template, 'Worker')];
    expect(worker.Properties.Environment.Variables.LIVE_MESSAGE_TABLE).toEqual({ Ref: table });
    const receiver = template.toJSON().Resources[functionId(template, 'Receiver')];
    expect(receiver.Properties.Environment.Variables.LIVE_MESSAGE_TABLE).toBeUndefined();

    expect(dynamoStatements(template, 'WorkerRole')).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      Resource: { 'Fn::GetAtt': [table, 'Arn'] },
    });
    const receiverResources = dynamoStatements(template, 'ReceiverRole').map((s) =>
      JSON.stringify(s.Resource),
    );
    expect(receiverResources.some((r) => r.includes(table))).toBe(false);

    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('creates no live-message table and no variable when no destination is live', () => {
    const { stack } = buildApp({ configPath: writeConfig(config('')) });
    const template = Template.fromStack(stack);
    // Only the tables every stack has: the delivery state (pk and sk) and the dead-letter archive (id).
    const keys = Object.values(template.findResources('AWS::DynamoDB::Table')).map((table) =>
      (table as { Properties: { KeySchema: Array<{ AttributeName: string }> } }).Properties.KeySchema.map(
        (key) => key.AttributeName,
      ),
    );
    expect(keys.sort()).toEqual([['id'], ['pk', 'sk']]);
    const worker = template.toJSON().Resources[functionId(template, 'Worker')];
    expect(worker.Properties.Environment.Variables.LIVE_MESSAGE_TABLE).toBeUndefined();
  });
});
