// The TfeBridge construct in a platform team's own stack: its resources land in that stack, and
// each prop (KMS key, VPC, reused topic, tags, retention, concurrency, config file) changes the
// template as documented, with the cdk-nag AwsSolutions checks still clean. Bundling is skipped
// here (placeholder code); test/package/installed-construct.test.ts synthesizes real bundles.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { TfeBridge, type TfeBridgeProps } from '../../infra/tfe-bridge';
import { ConfigError } from '../../lambda/core/errors';
import {
  cdkJsonContext,
  intrinsicText,
  removeTempDirs,
  roleStatements,
  type Statement,
  tempDir,
  withoutBundlingProgress,
} from './cdk-testing';

afterAll(removeTempDirs);

const CONFIG = {
  routes: [
    {
      id: 'runs',
      signingSecret: { secretId: 'platform/hmac' },
      destinations: [
        {
          id: 'api',
          url: 'https://api.example/hooks',
          auth: { type: 'bearer' as const, secret: { secretId: 'platform/api-token' } },
        },
      ],
    },
  ],
};
const NO_DESTINATION_SECRET = {
  routes: [{ ...CONFIG.routes[0], destinations: [{ id: 'api', url: 'https://api.example/hooks' }] }],
};

function consumerApp() {
  const app = new App({
    outdir: tempDir('construct-out'),
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], '@aws-cdk/core:appMode': 'inmemory' },
  });
  const stack = new Stack(app, 'Platform', { env: { account: '111122223333', region: 'eu-west-1' } });
  return { app, stack };
}

/** Props as a test writes them: any prop may be unset on purpose, or hold a value to refuse. */
type LooseProps = { [K in keyof TfeBridgeProps]?: unknown };

/** A TfeBridge with id `Bridge` in a consumer's stack, and that stack's template. */
function synth(props: LooseProps = {}, extra?: (stack: Stack) => LooseProps) {
  const { app, stack } = consumerApp();
  const all = { config: CONFIG, ...props, ...extra?.(stack) } as TfeBridgeProps;
  const bridge = withoutBundlingProgress(() => new TfeBridge(stack, 'Bridge', all));
  return { app, stack, bridge, template: Template.fromStack(stack) };
}

const functionId = (template: Template, which: 'receiver' | 'worker') =>
  Object.entries(template.findResources('AWS::Lambda::Function')).find(([, fn]) =>
    String(fn.Properties.Description).includes(which),
  )?.[0] ?? '';

const decryptStatements = (template: Template, role: string) =>
  roleStatements(template, role).filter((s) => [s.Action].flat().includes('kms:Decrypt'));

describe('TfeBridge in a consumer stack', () => {
  it('puts its resources in that stack: no nested or separate stack', () => {
    const { app, template } = synth();
    template.resourceCountIs('AWS::CloudFormation::Stack', 0);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::Lambda::Url', 1);
    expect(app.synth().stacks.map((s) => s.stackName)).toEqual(['Platform']);
  });

  it('passes the cdk-nag AwsSolutions checks with every prop set', () => {
    const { stack, template } = synth(
      { alarmEmail: 'ops@example.com', logRetention: RetentionDays.ONE_YEAR },
      (s) => ({
        secretsKey: new Key(s, 'SecretsKey', { enableKeyRotation: true }),
        vpc: new Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 }),
      }),
    );
    // The VPC is the consumer's; its own findings (flow logs) are not the bridge's.
    const bridgeFindings = new AwsSolutionsChecks()
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))
      .filter((finding) => !finding.includes('/Vpc/'));
    expect(bridgeFindings).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    template.hasResourceProperties('AWS::KMS::Key', {});
  });

  it('takes the config from a file, validated like `tfe-bridge validate`', () => {
    const file = join(tempDir('construct-config'), 'bridge.config.json');
    writeFileSync(file, JSON.stringify(CONFIG));
    const { bridge } = synth({ config: undefined, configFile: file });
    expect(bridge.config.routes.map((r) => r.id)).toEqual(['runs']);
  });

  it('refuses an invalid config, and both or neither of config and configFile', () => {
    const bad = { routes: [{ ...CONFIG.routes[0], destinations: [{ id: 'api', url: 'not a url' }] }] };
    expect(() => synth({ config: bad })).toThrow(ConfigError);
    expect(() => synth({ config: undefined })).toThrow('exactly one of `config` and `configFile`');
    expect(() => synth({ configFile: '/nonexistent.yaml' })).toThrow('exactly one of');
  });
});

describe('TfeBridge props', () => {
  it('secretsKey: lets each function that reads secrets decrypt with the key, through Secrets Manager only', () => {
    const { template } = synth({}, (s) => ({
      secretsKey: new Key(s, 'SecretsKey', { enableKeyRotation: true }),
    }));
    const keyArn = { 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0], 'Arn'] };
    for (const role of ['BridgeReceiverRole', 'BridgeWorkerRole']) {
      const statements = decryptStatements(template, role) as Array<Statement & { Condition: unknown }>;
      expect(statements.map(({ Condition, ...rest }) => rest)).toEqual([
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn },
      ]);
      const condition = statements[0]?.Condition as { StringEquals: Record<string, unknown> } | undefined;
      expect(intrinsicText(condition?.StringEquals['kms:ViaService'])).toBe(
        `secretsmanager.eu-west-1.\${AWS::URLSuffix}`,
      );
    }
  });

  it('secretsKey: no grant for a function that reads no secret, and none at all without the prop', () => {
    const withKey = synth({ config: NO_DESTINATION_SECRET }, (s) => ({
      secretsKey: Key.fromKeyArn(s, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/abcd'),
    })).template;
    expect(decryptStatements(withKey, 'BridgeReceiverRole')).toHaveLength(1);
    expect(decryptStatements(withKey, 'BridgeWorkerRole')).toEqual([]);
    const without = synth().template;
    expect(decryptStatements(without, 'BridgeReceiverRole')).toEqual([]);
    expect(decryptStatements(without, 'BridgeWorkerRole')).toEqual([]);
  });

  it('vpc: runs the worker in the VPC private subnets, the receiver outside', () => {
    const { template } = synth({}, (s) => ({ vpc: new Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1 }) }));
    const functions = template.findResources('AWS::Lambda::Function');
    const worker = functions[functionId(template, 'worker')];
    const receiver = functions[functionId(template, 'receiver')];
    expect(receiver?.Properties.VpcConfig).toBeUndefined();
    expect(worker?.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    const privateSubnets = Object.keys(template.findResources('AWS::EC2::Subnet')).filter((id) =>
      id.includes('Private'),
    );
    expect(worker?.Properties.VpcConfig.SubnetIds.map((ref: { Ref: string }) => ref.Ref).sort()).toEqual(
      privateSubnets.sort(),
    );
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    // Lambda needs the network interface actions on the worker role before it creates the function.
    const vpcAccess = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
      id.startsWith('BridgeWorkerVpcAccess'),
    );
    expect(vpcAccess?.[1].Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^BridgeWorkerRole/) }]);
    expect(vpcAccess?.[1].Properties.PolicyDocument.Statement[0].Action).toContain(
      'ec2:CreateNetworkInterface',
    );
    expect(worker?.DependsOn).toContain(vpcAccess?.[0]);
    expect(roleStatements(template, 'BridgeReceiverRole').flatMap((s) => [s.Action].flat())).not.toContain(
      'ec2:CreateNetworkInterface',
    );
  });

  it('vpcSubnets: picks the worker subnets', () => {
    const { template } = synth({}, (s) => ({
      vpc: new Vpc(s, 'Vpc', {
        maxAzs: 2,
        natGateways: 1,
        subnetConfiguration: [
          { name: 'Public', subnetType: SubnetType.PUBLIC },
          { name: 'App', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
          { name: 'Egress', subnetType: SubnetType.PRIVATE_WITH_EGRESS },
        ],
      }),
      vpcSubnets: { subnetGroupName: 'Egress' },
    }));
    const worker = template.findResources('AWS::Lambda::Function')[functionId(template, 'worker')];
    const ids = worker?.Properties.VpcConfig.SubnetIds.map((ref: { Ref: string }) => ref.Ref);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^VpcEgressSubnet/);
  });

  it('alarmTopic: every alarm notifies the given topic; no topic, key or topic output is created', () => {
    const { template, stack } = synth({ alarmEmail: 'ignored@example.com' }, (s) => ({
      alarmTopic: Topic.fromTopicArn(s, 'Ops', 'arn:aws:sns:eu-west-1:111122223333:platform-alarms'),
    }));
    expect(stack.node.tryFindChild('Ops')).toBeDefined();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(12);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:111122223333:platform-alarms']);
      expect(alarm.Properties.OKActions).toEqual(['arn:aws:sns:eu-west-1:111122223333:platform-alarms']);
    }
    expect(Object.keys(template.toJSON().Outputs).some((id) => id.includes('AlarmTopic'))).toBe(false);
  });

  it('alarmEmail without alarmTopic: creates the encrypted topic as the stack does', () => {
    const { template } = synth({ alarmEmail: 'ops@example.com' });
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'ops@example.com' });
  });

  it('tags: on every taggable resource of the bridge', () => {
    const { template } = synth({ tags: { team: 'platform', 'cost-center': '42' } });
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::SQS::Queue',
      'AWS::DynamoDB::Table',
      'AWS::IAM::Role',
    ]) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(resource.Properties.Tags, type).toEqual(
          expect.arrayContaining([
            { Key: 'team', Value: 'platform' },
            { Key: 'cost-center', Value: '42' },
          ]),
        );
      }
    }
  });

  it('logRetention and receiverReservedConcurrency: reach both log groups and the receiver', () => {
    const { template } = synth({ logRetention: RetentionDays.THREE_MONTHS, receiverReservedConcurrency: 7 });
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual([90, 90]);
    const functions = template.findResources('AWS::Lambda::Function');
    expect(functions[functionId(template, 'receiver')]?.Properties.ReservedConcurrentExecutions).toBe(7);
    expect(
      functions[functionId(template, 'worker')]?.Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
  });
});
