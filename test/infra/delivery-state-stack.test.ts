// The delivery-state table every stack has: pk/sk string keys, TTL on expiresAt, on-demand,
// point-in-time recovery, AWS-managed encryption; exactly five item actions for the worker, its
// name in the worker's environment, nothing of it for the receiver; cdk-nag clean.
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DELIVERY_STATE_TABLE_ENV,
  STATE_EXPIRY_ATTRIBUTE,
  STATE_PARTITION_KEY,
  STATE_SORT_KEY,
} from '../../lambda/adapters/aws/delivery-state-keys';
import {
  actionsOf,
  buildApp,
  onlyResource,
  removeTempDirs,
  roleStatements,
  writeConfig,
} from './cdk-testing';

afterAll(removeTempDirs);

const CONFIG = `
routes:
  - id: hooks
    signingSecret: { secretId: hooks/hmac }
    destinations:
      - { id: api, url: "https://api.example.com/hook", rateLimit: { perSecond: 5 } }
      - { id: chat, url: "https://chat.example.com/hook", circuitBreaker: false }
`;

const functionId = (template: Template, entry: string) =>
  Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith(entry)) ?? '';
const dynamoStatements = (template: Template, role: string) =>
  roleStatements(template, role).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

describe('the delivery-state table', () => {
  let stack: ReturnType<typeof buildApp>['stack'];
  let template: Template;
  let table: string;

  beforeAll(() => {
    ({ stack } = buildApp({
      configPath: writeConfig(CONFIG),
      context: { 'tfe-bridge:namePrefix': 'acme-bridge' },
    }));
    template = Template.fromStack(stack);
    [table] = onlyResource(template, 'AWS::DynamoDB::Table', { TableName: 'acme-bridge-delivery-state' });
  }, 60_000);

  it('uses the attribute names the Lambda adapter imports', () => {
    expect([STATE_PARTITION_KEY, STATE_SORT_KEY, STATE_EXPIRY_ATTRIBUTE, DELIVERY_STATE_TABLE_ENV]).toEqual([
      'pk',
      'sk',
      'expiresAt',
      'DELIVERY_STATE_TABLE',
    ]);
  });

  it('is keyed by string pk and sk, expires items on expiresAt, bills on demand, and keeps PITR', () => {
    expect(template.toJSON().Resources[table]).toEqual({
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: 'acme-bridge-delivery-state',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // AWS-managed key (aws/dynamodb): no key of ours, no KMS grant to manage.
        SSESpecification: { SSEEnabled: true },
      },
      // All of it rebuilds itself (see infra/delivery-state-table.ts).
      UpdateReplacePolicy: 'Delete',
      DeletionPolicy: 'Delete',
    });
  });

  it('lets the worker get, put, update, delete and query items of that table, and nothing else', () => {
    // (Its other DynamoDB statement is PutItem on the dead-letter archive, tested with the archive.)
    const onTable = (s: { Resource?: unknown }) =>
      JSON.stringify(s.Resource) === JSON.stringify({ 'Fn::GetAtt': [table, 'Arn'] });
    expect(dynamoStatements(template, 'WorkerRole').filter(onTable)).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      },
    ]);
  });

  it('gives the receiver no DynamoDB action at all (no replay guard in this config)', () => {
    expect(dynamoStatements(template, 'ReceiverRole')).toEqual([]);
  });

  it("puts the table's name in the worker's DELIVERY_STATE_TABLE, and nowhere in the receiver's", () => {
    const variables = (entry: string) =>
      template.toJSON().Resources[functionId(template, entry)].Properties.Environment.Variables;
    expect(variables('Worker').DELIVERY_STATE_TABLE).toEqual({ Ref: table });
    expect(variables('Receiver').DELIVERY_STATE_TABLE).toBeUndefined();
  });

  it('passes cdk-nag AwsSolutions with no finding and no acknowledged rule', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations).toEqual([]);
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules');
    expect(acknowledged).toEqual([]);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});
