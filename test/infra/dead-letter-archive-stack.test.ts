// The dead-letter archive in the stack: a retained DynamoDB table keyed by `id` with TTL, its
// name and retention in the worker's environment, PutItem only for the worker, nothing for the
// receiver, a stack output; `deadLetterArchiveDays` sets the days or (none) leaves it out; and
// `logLevel` sets POWERTOOLS_LOG_LEVEL on both functions.
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { actionsOf, buildApp, removeTempDirs, roleStatements, writeConfig } from './cdk-testing';

afterAll(removeTempDirs);

const CONFIG = `
routes:
  - id: hooks
    signingSecret: { secretId: hooks/hmac }
    destinations:
      - { id: api, url: "https://api.example.com/hook" }
`;

function synth(context: Record<string, unknown> = {}) {
  const { stack } = buildApp({
    configPath: writeConfig(CONFIG),
    context: { 'tfe-bridge:namePrefix': 'acme-bridge', ...context },
  });
  return { stack, template: Template.fromStack(stack) };
}

const archiveTables = (template: Template) =>
  Object.entries(template.findResources('AWS::DynamoDB::Table')).filter(
    ([, resource]) =>
      (resource as { Properties: { TableName?: string } }).Properties.TableName ===
      'acme-bridge-dead-letter-archive',
  );
const variables = (template: Template, entry: string) => {
  const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) =>
    id.startsWith(entry),
  ) as [string, { Properties: { Environment: { Variables: Record<string, unknown> } } }];
  return fn.Properties.Environment.Variables;
};
const dynamoStatements = (template: Template, role: string) =>
  roleStatements(template, role).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

describe('the dead-letter archive', () => {
  it('is a retained table with TTL, written by the worker with PutItem only, named in its environment', () => {
    const { stack, template } = synth();
    const [[table, resource]] = archiveTables(template) as [[string, Record<string, unknown>]];
    expect(resource).toMatchObject({
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      // The only copy of old dead letters: kept when the stack is deleted.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(variables(template, 'Worker')).toMatchObject({
      DEAD_LETTER_ARCHIVE_TABLE: { Ref: table },
      DEAD_LETTER_ARCHIVE_DAYS: '365',
    });
    expect(variables(template, 'Receiver').DEAD_LETTER_ARCHIVE_TABLE).toBeUndefined();
    expect(dynamoStatements(template, 'WorkerRole')).toContainEqual({
      Effect: 'Allow',
      Action: 'dynamodb:PutItem',
      Resource: { 'Fn::GetAtt': [table, 'Arn'] },
    });
    expect(dynamoStatements(template, 'ReceiverRole')).toEqual([]);
    expect(template.toJSON().Outputs.DeadLetterArchiveTable).toMatchObject({ Value: { Ref: table } });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('keeps letters for the days asked, or is left out with none', () => {
    expect(variables(synth({ 'tfe-bridge:deadLetterArchiveDays': 30 }).template, 'Worker')).toMatchObject({
      DEAD_LETTER_ARCHIVE_DAYS: '30',
    });
    const without = synth({ 'tfe-bridge:deadLetterArchiveDays': 'none' }).template;
    expect(archiveTables(without)).toEqual([]);
    expect(variables(without, 'Worker').DEAD_LETTER_ARCHIVE_TABLE).toBeUndefined();
    expect(without.toJSON().Outputs.DeadLetterArchiveTable).toBeUndefined();
  });

  it('sets POWERTOOLS_LOG_LEVEL on both functions only when a logLevel is asked for', () => {
    const plain = synth().template;
    expect(variables(plain, 'Receiver').POWERTOOLS_LOG_LEVEL).toBeUndefined();
    const debug = synth({ 'tfe-bridge:logLevel': 'debug' }).template;
    expect(variables(debug, 'Receiver').POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    expect(variables(debug, 'Worker').POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });
});
