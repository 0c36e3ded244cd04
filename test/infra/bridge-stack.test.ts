// The synthesized stack: the example config bundled for real (local esbuild, offline, as
// `cdk synth` does), small inline configs for the edge cases, and the cdk-nag AwsSolutions checks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDeployConfig } from '../../infra/deploy-config';
import type { BridgeConfig } from '../../lambda/core/config/schema';
import { receiveBudget } from '../../lambda/core/deliver/engine';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { compileTemplates, TEMPLATE_TIMEOUT_MS } from '../../lambda/core/render/templates';
import { signingSecretsOf } from '../../lambda/core/secrets';
import { fixture } from '../support/fixtures';
import {
  actionsOf,
  buildApp,
  EXAMPLE_CONFIG,
  intrinsicText,
  invokeBundle,
  onlyResource,
  removeTempDirs,
  renderWithBundle,
  resourcesFor,
  resourcesOf,
  roleStatements,
  secretArn,
  writeConfig,
} from './cdk-testing';

afterAll(removeTempDirs);

type Json = Record<string, unknown>;

const example = loadDeployConfig(EXAMPLE_CONFIG);
const SIGNING_SECRETS = [
  'tfe-bridge/demo-hmac',
  'tfe-bridge/hcp-webhook-hmac',
  'tfe-bridge/prod-runs-hmac',
  'tfe-bridge/team-hmac',
  'tfe-bridge/workspace-events-hmac',
];
const DESTINATION_SECRETS = [
  'tfe-bridge/callback',
  'tfe-bridge/chat-webhook-url',
  'tfe-bridge/echo-token',
  'tfe-bridge/ops-api-key',
  'tfe-bridge/tickets',
];

/**
 * The logical id of every resource the example stack (with an alarm email) had before its parts
 * became constructs of their own. Each is a hash of the resource's construct path: moving a
 * resource into another construct changes it, and CloudFormation then creates a new resource and
 * deletes the old one (a queue with its jobs, the Function URL pasted into HashiCorp, a topic
 * whose email subscription must be confirmed again), or fails on a named one that still exists.
 */
const DEPLOYED_LOGICAL_IDS = [
  'AlarmTopicD01E77F9',
  'AlarmTopicKey57B0D3A7',
  'AlarmTopicPolicy309DB5F8',
  'AlarmTopicopsexamplecom7B0F70A1',
  'DeadLetterAlarmBB7AE56D',
  'DeadLetterQueue9F481546',
  'DeadLetterQueuePolicyB1FB890C',
  'JobQueueEE3AD499',
  'JobQueuePolicy1B11027A',
  'ObservabilityCircuitOpenedAlarm1877F332',
  'ObservabilityDashboard9A1D08B3',
  'ObservabilityDeliveryErrorRateAlarm29663149',
  'ObservabilityRejectedSignaturesAlarmE295484F',
  'OldestJobAlarm07EBD82A',
  'Receiver5xxAlarmF7F3C16A',
  'ReceiverC61A5DC1',
  'ReceiverErrorsAlarmF6722494',
  'ReceiverFunctionUrlF851C489',
  'ReceiverLogsDEB6297F',
  'ReceiverRoleD4C38D72',
  'ReceiverRoleDefaultPolicy7FDF84F4',
  'ReceiverinvokefunctionD0FEC287',
  'ReceiverinvokefunctionurlEDBE57A9',
  'Worker11F36D0F',
  'WorkerErrorsAlarm1932B217',
  'WorkerLogsC1193B08',
  'WorkerRole8DD27D41',
  'WorkerRoleDefaultPolicy1750E153',
  'WorkerSqsEventSourceTfeBridgeJobQueue57A95FD31FF487EF',
];

/** The receive budget of a config's largest retry budget: what the redrive allows. */
const budgetOf = (config: BridgeConfig) =>
  receiveBudget(Math.max(...config.routes.flatMap((r) => r.destinations.map((d) => d.retry.maxAttempts))));

const logicalId = (template: Template, type: string, props: Json = {}) =>
  onlyResource(template, type, props)[0];
const functionId = (template: Template, entry: 'Receiver' | 'Worker') =>
  Object.keys(template.findResources('AWS::Lambda::Function')).find((id) => id.startsWith(entry)) ?? '';

/** A one-route config; `destinations` is YAML for the route's destination list. */
const inlineConfig = (destinations: string, route = 'signingSecret: { secretId: hooks/hmac }') => `
routes:
  - id: hooks
    ${route}
    destinations:
${destinations}
`;

/** A Lambda Function URL event (payload format 2.0) for a JSON POST. */
const functionUrlEvent = (path: string, body = '{}') => ({
  version: '2.0',
  routeKey: '$default',
  rawPath: path,
  rawQueryString: '',
  headers: { 'content-type': 'application/json', host: 'abc.lambda-url.eu-west-1.on.aws' },
  requestContext: {
    accountId: 'anonymous',
    apiId: 'abc',
    domainName: 'abc.lambda-url.eu-west-1.on.aws',
    domainPrefix: 'abc',
    http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
    requestId: 'request-1',
    routeKey: '$default',
    stage: '$default',
    time: '24/Nov/2026:16:00:00 +0000',
    timeEpoch: 1_795_536_000_000,
  },
  body,
  isBase64Encoded: false,
});

const NO_AUTH_DESTINATION = `
      - id: api
        url: https://api.example.com/hook
`;

describe('the example config, bundled, with an alarm email', () => {
  let built: ReturnType<typeof buildApp>;
  let template: Template;
  let queue: string;
  let deadLetterQueue: string;
  let receiver: string;
  let worker: string;

  beforeAll(() => {
    built = buildApp({ bundle: true, context: { 'tfe-bridge:alarmEmail': 'ops@example.com' } });
    template = Template.fromStack(built.stack);
    deadLetterQueue = logicalId(template, 'AWS::SQS::Queue', { RedrivePolicy: Match.absent() });
    queue = logicalId(template, 'AWS::SQS::Queue', { RedrivePolicy: Match.anyValue() });
    receiver = functionId(template, 'Receiver');
    worker = functionId(template, 'Worker');
  }, 120_000);

  it('creates a FIFO job queue and a FIFO dead-letter queue, both encrypted', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    for (const id of [queue, deadLetterQueue]) {
      expect(template.toJSON().Resources[id].Properties).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        SqsManagedSseEnabled: true,
        // Fourteen days, the maximum, on both: retries may be spaced out, and dead letters wait.
        MessageRetentionPeriod: 14 * 24 * 3600,
        // 1 MiB set explicitly: the receiver's 413 limit assumes it on both queues.
        MaximumMessageSize: 1024 * 1024,
      });
    }
  });

  it('redrives to the dead-letter queue after the receive budget, though circuit breakers may hold jobs', () => {
    // The example keeps the default breaker: held receives are counted in the delivery-state
    // table and capped by the engine (MAX_HOLDS), so the redrive no longer needs SQS's maximum.
    expect(example.routes[0]?.destinations[0]?.circuitBreaker).not.toBe(false);
    const maxReceiveCount = budgetOf(example);
    expect(maxReceiveCount).toBeLessThan(100);
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterQueue, 'Arn'] },
        maxReceiveCount,
      },
    });
  });

  it('sets the visibility timeout to at least six times the worker timeout', () => {
    const { Timeout } = template.toJSON().Resources[worker].Properties;
    const { VisibilityTimeout } = template.toJSON().Resources[queue].Properties;
    expect(Timeout).toBeGreaterThanOrEqual(60);
    expect(VisibilityTimeout).toBeGreaterThanOrEqual(6 * Timeout);
  });

  it('denies every request to either queue that does not use TLS', () => {
    for (const id of [queue, deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('runs both functions on nodejs24.x, arm64, with the queue URLs and no config in the environment', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).sort()).toEqual([receiver, worker].sort());
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      // The config is baked into the bundle (define), not passed in the 4 KB environment.
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('TFE_BRIDGE_CONFIG_JSON');
    }
    expect(functions[receiver]?.Properties.Environment.Variables).toMatchObject({
      QUEUE_URL: { Ref: queue },
    });
    expect(functions[worker]?.Properties.Environment.Variables).toMatchObject({
      QUEUE_URL: { Ref: queue },
      DEAD_LETTER_QUEUE_URL: { Ref: deadLetterQueue },
    });
  });

  it('keeps every logical id a deployed stack has, so an update replaces nothing; adds only the state table, the dead-letter archive and four alarms', () => {
    const ids = Object.keys(template.toJSON().Resources);
    expect(ids).toEqual(expect.arrayContaining(DEPLOYED_LOGICAL_IDS));
    expect(ids.filter((id) => !DEPLOYED_LOGICAL_IDS.includes(id)).sort()).toEqual(
      [
        ...Object.keys(template.findResources('AWS::DynamoDB::Table')),
        ...Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
          /^(DeadLettersSent|DeadLetterExpiring|ReceiverThrottles|Receiver4xx)Alarm/.test(id),
        ),
      ].sort(),
    );
  });

  it('exposes the receiver through a Function URL with auth NONE and no CORS', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      Cors: Match.absent(),
      TargetFunctionArn: { 'Fn::GetAtt': [receiver, 'Arn'] },
    });
  });

  it('feeds the worker from the job queue with partial batch failures and bounded concurrency', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionName: { Ref: worker },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('gives the worker 512 MB (its template sandbox process runs next to it) and the receiver 512 MB', () => {
    const resources = template.toJSON().Resources;
    expect(resources[worker].Properties.MemorySize).toBe(512);
    expect(resources[receiver].Properties.MemorySize).toBe(512);
  });

  it('gives each function its own log group with one month of retention, and no managed policy', () => {
    const resources = template.toJSON().Resources;
    for (const [fn, role] of [
      [receiver, 'ReceiverRole'],
      [worker, 'WorkerRole'],
    ] as const) {
      const logGroup = resources[fn].Properties.LoggingConfig.LogGroup.Ref;
      expect(resources[logGroup]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
      expect(resourcesFor(template, role, 'logs:PutLogEvents')).toEqual([`\${${logGroup}.Arn}`]);
    }
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets the receiver send to the job queue only', () => {
    expect(resourcesFor(template, 'ReceiverRole', 'sqs:SendMessage')).toEqual([`\${${queue}.Arn}`]);
    expect(resourcesFor(template, 'ReceiverRole', 'sqs:ReceiveMessage')).toEqual([]);
  });

  it('lets the worker consume the job queue, delay retries, and send to the dead-letter queue only', () => {
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      expect(resourcesFor(template, 'WorkerRole', action)).toEqual([`\${${queue}.Arn}`]);
    }
    expect(resourcesFor(template, 'WorkerRole', 'sqs:SendMessage')).toEqual([`\${${deadLetterQueue}.Arn}`]);
  });

  it('lets the receiver read exactly the signing secrets, and the worker exactly the destination secrets', () => {
    expect(
      example.routes
        .flatMap(signingSecretsOf)
        .map((ref) => ref.secretId)
        .sort(),
    ).toEqual(SIGNING_SECRETS);
    expect(resourcesFor(template, 'ReceiverRole', 'secretsmanager:GetSecretValue')).toEqual(
      SIGNING_SECRETS.map(secretArn),
    );
    expect(resourcesFor(template, 'WorkerRole', 'secretsmanager:GetSecretValue')).toEqual(
      DESTINATION_SECRETS.map(secretArn),
    );
  });

  it('never grants a Secrets Manager action on a wildcard resource, nor any other secret action', () => {
    const statements = [
      ...roleStatements(template, 'ReceiverRole'),
      ...roleStatements(template, 'WorkerRole'),
    ];
    const secretStatements = statements.filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(secretStatements).toHaveLength(2);
    for (const statement of secretStatements) {
      expect(actionsOf(statement)).toEqual(['secretsmanager:GetSecretValue']);
      for (const resource of resourcesOf(statement)) {
        expect(resource).not.toContain('*');
        expect(resource).toMatch(/:secret:tfe-bridge\/[a-z-]+-\?{6}$/);
      }
    }
  });

  it('alarms on dead letters, a stuck queue, receiver errors and 5xx, and worker errors', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const metric = (name: string) => alarms.filter((a) => a.MetricName === name);
    // Three on the bridge's own metrics (test/infra/bridge-alarms.test.ts), and four more on dead
    // letters and the receiver's cap (test/infra/operations-stack.test.ts).
    expect(alarms).toHaveLength(12);
    expect(metric('ApproximateNumberOfMessagesVisible')).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueue, 'QueueName'] } }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
    expect(metric('ApproximateAgeOfOldestMessage')).toEqual([
      expect.objectContaining({
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueue, 'QueueName'] } }],
      }),
      expect.objectContaining({
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      }),
    ]);
    const onFunction = (name: string) =>
      metric(name)
        .map((a) => (a.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref)
        .sort();
    expect(onFunction('Errors')).toEqual([receiver, worker].sort());
    expect(onFunction('Url5xxCount')).toEqual([receiver]);
  });

  it('sends every alarm to an encrypted, TLS-only SNS topic with the email subscribed', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic');
    const key = logicalId(template, 'AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topic },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    // CloudWatch must be able to use the key, or alarm notifications are silently dropped.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    }
  });

  it('outputs the webhook URL of every route, and the queue URLs', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const functionUrl = logicalId(template, 'AWS::Lambda::Url');
    const values = Object.values(outputs).map((output) => intrinsicText(output.Value));
    for (const route of example.routes) {
      expect(values).toContain(`\${${functionUrl}.FunctionUrl}hooks/${route.id}`);
    }
    expect(values.filter((v) => v.includes('hooks/'))).toHaveLength(example.routes.length);
    expect(outputs.WebhookUrlProdRuns?.Value).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [functionUrl, 'FunctionUrl'] }, 'hooks/prod-runs']],
    });
    expect(outputs.QueueUrl?.Value).toEqual({ Ref: queue });
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual({ Ref: deadLetterQueue });
    // Both ARNs, for `aws sqs start-message-move-task` (docs/deploy.md).
    expect(outputs.QueueArn?.Value).toEqual({ 'Fn::GetAtt': [queue, 'Arn'] });
    expect(outputs.DeadLetterQueueArn?.Value).toEqual({ 'Fn::GetAtt': [deadLetterQueue, 'Arn'] });
  });

  it('bundles each entry as an ES module, with the validated config in config.json beside it', () => {
    for (const fn of [receiver, worker]) {
      const assetDir = join(built.outdir, template.toJSON().Resources[fn].Metadata['aws:asset:path']);
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module';")).toBe(true);
      // One bundle serves every config: the config is a file, not code (booleans, so a failure
      // does not print a megabyte of bundle).
      for (const route of example.routes) {
        expect(code.includes(`"${route.id}"`), `${fn} bundle holds route ${route.id}`).toBe(false);
      }
      expect(JSON.parse(readFileSync(join(assetDir, 'config.json'), 'utf8'))).toEqual({
        format: 'tfe-bridge-config/1',
        config: example,
      });
    }
  });

  it('produces bundles that run: the receiver routes with the baked-in config, the worker starts', () => {
    const bundle = (fn: string) =>
      join(built.outdir, template.toJSON().Resources[fn].Metadata['aws:asset:path'], 'index.mjs');
    const env = {
      QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs.fifo',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/dead-letters.fifo',
      NODE_OPTIONS: '--enable-source-maps',
      DELIVERY_STATE_TABLE: 'tfe-bridge-delivery-state',
    };
    // An unknown route is answered from the config alone: no secret, no queue, no network.
    const response = invokeBundle(bundle(receiver), functionUrlEvent('/hooks/no-such-route'), env) as Json;
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(String(response.body))).toMatchObject({ error: 'route_not_found' });
    // The worker parses the config, compiles every template and builds its AWS clients from the
    // role's variables (which Lambda always sets) before handling a batch; an empty one calls nothing.
    const role = { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret-key' };
    expect(invokeBundle(bundle(worker), { Records: [] }, { ...env, ...role })).toEqual({
      batchItemFailures: [],
    });
  });

  it('produces a worker bundle that renders JSONata templates in its sandbox process, with no node_modules', async () => {
    const body = fixture('tfe-run-errored');
    const input = { body, notification: classifyPayload(JSON.parse(body)) };
    const key = 'workspace-events/ops-api';
    const expected = await compileTemplates(example).get(key)?.(input);
    const backtracking = {
      routes: [
        { id: 'r', destinations: [{ id: 'd', template: { jsonata: '$match(run_message, /(a+)+$/)' } }] },
      ],
    };
    const hostile = {
      ...input,
      body: JSON.stringify({ ...input.notification.payload, run_message: `${'a'.repeat(28)}!` }),
    };
    const file = join(
      built.outdir,
      template.toJSON().Resources[worker].Metadata['aws:asset:path'],
      'index.mjs',
    );
    expect(
      renderWithBundle(file, [
        { config: example, key, input },
        { config: backtracking, key: 'r/d', input: hostile },
      ]),
    ).toEqual([
      { text: expected },
      { error: `TemplateError: template timed out after ${TEMPLATE_TIMEOUT_MS} ms` },
    ]);
  });

  it('passes the cdk-nag AwsSolutions checks with no finding, and has no CDK errors or warnings', () => {
    const report = new AwsSolutionsChecks().validateScope(built.stack);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
    const annotations = Annotations.fromStack(built.stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('small configs', () => {
  it('creates no SNS topic and no key without an alarm email, and the alarms have no actions', () => {
    const { stack } = buildApp({ configPath: writeConfig(inlineConfig(NO_AUTH_DESTINATION)) });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(12);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toBeUndefined();
    expect(template.toJSON().Outputs.AlarmTopicArn).toBeUndefined();
  });

  it('derives the secret grants from every kind of reference, without duplicates', () => {
    const config = `
routes:
  - id: rotating
    signingSecret: [{ secretId: hooks/hmac-old }, { secretId: hooks/hmac-new }]
    destinations:
      - id: basic
        url: { secret: { secretId: dest/url } }
        auth: { type: basic, username: { secretId: dest/creds, jsonKey: user }, password: { secretId: dest/creds, jsonKey: pass } }
      - id: header
        url: https://api.example.com/a
        auth: { type: header, name: X-Api-Key, secret: { secretId: dest/key } }
  - id: unsigned
    allowUnsigned: true
    destinations:
      - id: bearer
        url: https://api.example.com/b
        auth: { type: bearer, secret: { secretId: dest/key } }
      - id: open
        url: https://api.example.com/c
      - id: pager
        url: https://events.pagerduty.com/v2/enqueue
        template: { preset: pagerduty }
        secrets: { routingKey: { secretId: dest/pagerduty, jsonKey: routing_key } }
`;
    const template = Template.fromStack(buildApp({ configPath: writeConfig(config) }).stack);
    expect(resourcesFor(template, 'ReceiverRole', 'secretsmanager:GetSecretValue')).toEqual(
      ['hooks/hmac-new', 'hooks/hmac-old'].map(secretArn),
    );
    expect(resourcesFor(template, 'WorkerRole', 'secretsmanager:GetSecretValue')).toEqual(
      ['dest/creds', 'dest/key', 'dest/pagerduty', 'dest/url'].map(secretArn),
    );
  });

  it('grants the receiver no secret at all when every route is unsigned', () => {
    const config = inlineConfig(NO_AUTH_DESTINATION, 'allowUnsigned: true');
    const template = Template.fromStack(buildApp({ configPath: writeConfig(config) }).stack);
    const statements = [
      ...roleStatements(template, 'ReceiverRole'),
      ...roleStatements(template, 'WorkerRole'),
    ];
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('uses a secret given by full ARN as it is', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:hooks/hmac-AbCdEf';
    const config = inlineConfig(NO_AUTH_DESTINATION, `signingSecret: { secretId: "${arn}" }`);
    const template = Template.fromStack(buildApp({ configPath: writeConfig(config) }).stack);
    expect(resourcesFor(template, 'ReceiverRole', 'secretsmanager:GetSecretValue')).toEqual([arn]);
  });

  it('sizes redrive and timeouts from the largest retry budget and the slowest destination', () => {
    const config = inlineConfig(`
      - id: slow
        url: https://slow.example.com/
        timeoutMs: 30000
        retry: { maxAttempts: 12 }
        circuitBreaker: false
      - id: fast
        url: https://fast.example.com/
        retry: { maxAttempts: 2 }
        circuitBreaker: false
`);
    const template = Template.fromStack(buildApp({ configPath: writeConfig(config) }).stack);
    // No breaker, no rate limit: the same budget as with them (the engine caps holds itself).
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: receiveBudget(12) }),
    });
    const worker = template.toJSON().Resources[functionId(template, 'Worker')].Properties;
    // One job per batch, up to two 30 s attempts (a 401 retries once).
    expect(worker.Timeout).toBeGreaterThanOrEqual(2 * 30);
    expect(worker.Timeout).toBeLessThanOrEqual(900);
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * worker.Timeout });
  });

  it('applies name prefix, receiver reserved concurrency and worker concurrency from context', () => {
    const { stack } = buildApp({
      configPath: writeConfig(inlineConfig(NO_AUTH_DESTINATION)),
      context: {
        'tfe-bridge:namePrefix': 'acme-bridge',
        'tfe-bridge:receiverReservedConcurrency': '20',
        'tfe-bridge:workerMaxConcurrency': 3,
        'tfe-bridge:stackName': 'AcmeBridge',
      },
    });
    expect(stack.stackName).toBe('AcmeBridge');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'acme-bridge-jobs.fifo' });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'acme-bridge-dead-letters.fifo' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'acme-bridge-receiver',
      ReservedConcurrentExecutions: 20,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/acme-bridge-worker' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it("takes the worker's maximum concurrency from the config's maxConcurrency (at least Lambda's 2)", () => {
    const config = `
maxConcurrency: 1
routes:
  - { id: r, allowUnsigned: true, destinations: [{ id: d, url: "https://a.example.com/", circuitBreaker: false, rateLimit: { perSecond: 2 } }] }
`;
    const path = writeConfig(config);
    const template = Template.fromStack(buildApp({ configPath: path }).stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    // A rate limit may hold jobs back too: still the receive budget of the default retry budget.
    const maxAttempts = loadDeployConfig(path).routes[0]?.destinations[0]?.retry.maxAttempts ?? 0;
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: receiveBudget(maxAttempts) }),
    });
  });

  it('gives every route an output even when two route ids differ only in punctuation', () => {
    const config = `
routes:
  - { id: team-a, allowUnsigned: true, destinations: [{ id: d, url: "https://a.example.com/" }] }
  - { id: team.a, allowUnsigned: true, destinations: [{ id: d, url: "https://a.example.com/" }] }
`;
    const template = Template.fromStack(buildApp({ configPath: writeConfig(config) }).stack);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(intrinsicText(outputs.WebhookUrlTeamA?.Value)).toMatch(/hooks\/team-a$/);
    expect(intrinsicText(outputs.WebhookUrlTeamA1?.Value)).toMatch(/hooks\/team\.a$/);
  });

  it('creates placeholder secrets on request, grants exactly those, and acknowledges rotation', () => {
    const config = inlineConfig(`
      - id: api
        url: https://api.example.com/hook
        auth: { type: basic, username: { secretId: dest/creds, jsonKey: user }, password: { secretId: dest/creds, jsonKey: pass } }
`);
    const { stack } = buildApp({
      configPath: writeConfig(config),
      context: { 'tfe-bridge:createSecrets': 'true' },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    const hmac = logicalId(template, 'AWS::SecretsManager::Secret', { Name: 'hooks/hmac' });
    const creds = logicalId(template, 'AWS::SecretsManager::Secret', {
      Name: 'dest/creds',
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'pass',
        SecretStringTemplate: JSON.stringify({ user: 'REPLACE_ME' }),
      }),
    });
    expect(template.toJSON().Resources[hmac].DeletionPolicy).toBe('Retain');
    expect(resourcesFor(template, 'ReceiverRole', 'secretsmanager:GetSecretValue')).toEqual([`\${${hmac}}`]);
    expect(resourcesFor(template, 'WorkerRole', 'secretsmanager:GetSecretValue')).toEqual([`\${${creds}}`]);

    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations).toEqual([]);
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
      .map((m) => m.data as Record<string, string>);
    expect(acknowledged).toHaveLength(2);
    for (const entry of acknowledged) {
      expect(Object.keys(entry)).toEqual([expect.stringMatching(/AwsSolutions-SMG4$/)]);
      expect(Object.values(entry)[0]).toMatch(/third parties/);
    }
  });

  it('generates the JSON key a route signs with, never leaving it to the public placeholder', () => {
    // Sorted first, `a-token` would be the generated key and the signing key would say REPLACE_ME.
    const config = inlineConfig(
      `
      - id: api
        url: https://api.example.com/hook
        auth: { type: bearer, secret: { secretId: shared, jsonKey: a-token } }
`,
      'signingSecret: { secretId: shared, jsonKey: z-hmac }',
    );
    const { stack } = buildApp({
      configPath: writeConfig(config),
      context: { 'tfe-bridge:createSecrets': 'true' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'shared',
      GenerateSecretString: Match.objectLike({
        GenerateStringKey: 'z-hmac',
        SecretStringTemplate: JSON.stringify({ 'a-token': 'REPLACE_ME' }),
      }),
    });
  });

  it('refuses createSecrets with two signing keys in one secret, naming the second one', () => {
    const config = `
routes:
  - id: prod
    signingSecret: { secretId: hmac, jsonKey: prod }
    destinations: [{ id: a, url: https://a.example.com/hook }]
  - id: dev
    signingSecret: [{ secretId: other }, { secretId: hmac, jsonKey: dev }]
    destinations: [{ id: b, url: https://b.example.com/hook }]
`;
    const build = (createSecrets: boolean) =>
      buildApp({
        configPath: writeConfig(config),
        context: createSecrets ? { 'tfe-bridge:createSecrets': 'true' } : {},
      });
    expect(() => build(true)).toThrow(
      'routes[1].signingSecret[1].jsonKey: secret "hmac" already signs with key "prod" (routes[0].signingSecret.jsonKey)',
    );
    // Secrets the user creates may hold both keys.
    expect(() => build(false)).not.toThrow();
  });

  it('refuses createSecrets with a plain signing secret that another reader takes as JSON', () => {
    const config = inlineConfig(
      `
      - id: api
        url: https://api.example.com/hook
        auth: { type: bearer, secret: { secretId: shared, jsonKey: token } }
`,
      'signingSecret: { secretId: shared }',
    );
    expect(() =>
      buildApp({ configPath: writeConfig(config), context: { 'tfe-bridge:createSecrets': 'true' } }),
    ).toThrow('routes[0].signingSecret: secret "shared" is read as JSON elsewhere (key "token")');
  });

  it('leaves secrets named by ARN alone in createSecrets mode: two signing keys there are fine', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hmac-AbCdEf';
    const config = `
routes:
  - id: prod
    signingSecret: { secretId: "${arn}", jsonKey: prod }
    destinations: [{ id: a, url: https://a.example.com/hook }]
  - id: dev
    signingSecret: { secretId: "${arn}", jsonKey: dev }
    destinations: [{ id: b, url: https://b.example.com/hook }]
`;
    expect(() =>
      buildApp({ configPath: writeConfig(config), context: { 'tfe-bridge:createSecrets': 'true' } }),
    ).not.toThrow();
  });

  it('fails synth when a resource breaks an AwsSolutions rule (cdk-nag runs in the synth path)', () => {
    const { app, stack } = buildApp({ configPath: writeConfig(inlineConfig(NO_AUTH_DESTINATION)) });
    new Queue(stack, 'UnencryptedQueueWithoutDeadLetters', { enforceSSL: false });
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });
});
