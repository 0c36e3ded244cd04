// What keeps a deployed bridge safe to run: queues kept on deletion and replacement, an alarm for
// every new batch of dead letters and one before they expire, and the receiver's concurrency cap
// with its throttling and 4xx alarms. Synthesized without bundling; cdk-nag must stay clean.
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_EXPIRY_WARNING, RECEIVER_4XX_ALARM_COUNT } from '../../infra/bridge-alarms';
import { DEFAULT_RECEIVER_RESERVED_CONCURRENCY } from '../../infra/function-sizing';
import { buildApp, removeTempDirs, writeConfig } from './cdk-testing';

afterAll(removeTempDirs);

type Json = Record<string, unknown>;

const CONFIG = `
routes:
  - id: hooks
    allowUnsigned: true
    destinations:
      - id: api
        url: https://api.example.com/hook
`;

function synth(context: Record<string, unknown> = {}) {
  const { stack } = buildApp({ configPath: writeConfig(CONFIG), context });
  return { stack, template: Template.fromStack(stack) };
}

const queues = (template: Template) => Object.entries(template.findResources('AWS::SQS::Queue'));
const deadLetterQueueId = (template: Template) =>
  Object.keys(
    template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.absent() } }),
  )[0];
const receiverId = (template: Template) =>
  Object.keys(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('receiver') },
    }),
  )[0];
const alarm = (template: Template, prefix: string): Json => {
  const found = Object.entries(template.findResources('AWS::CloudWatch::Alarm')).filter(([id]) =>
    id.startsWith(prefix),
  );
  const [only, ...others] = found;
  if (!only || others.length > 0) throw new Error(`expected one ${prefix}, found ${found.length}`);
  return (only[1] as { Properties: Json }).Properties;
};

describe('queues', () => {
  it('keeps both queues, and what is in them, when the stack is deleted or a queue replaced', () => {
    const { template } = synth();
    expect(queues(template)).toHaveLength(2);
    for (const [, queue] of queues(template)) {
      expect(queue).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('deletes them with the stack when retainQueues is false', () => {
    const { template } = synth({ 'tfe-bridge:retainQueues': 'false' });
    for (const [, queue] of queues(template)) {
      expect(queue).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    }
  });
});

describe('dead-letter alarms', () => {
  it('fires for each new batch of dead letters: sent by the worker, or grown by SQS redrive', () => {
    const { template } = synth();
    const dlq = deadLetterQueueId(template);
    const properties = alarm(template, 'DeadLettersSentAlarm');
    expect(properties).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const queries = properties.Metrics as Array<{
      Id: string;
      Expression?: string;
      ReturnData?: boolean;
      MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown }; Stat: string };
    }>;
    expect(queries.find((q) => q.Expression)).toMatchObject({
      Expression: 'FILL(sent, 0) + FILL(IF(DIFF(visible) > 0, DIFF(visible), 0), 0)',
      ReturnData: true,
    });
    const stat = (id: string) => queries.find((q) => q.Id === id)?.MetricStat;
    const onDlq = [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }];
    expect(stat('sent')).toEqual({
      Metric: { Namespace: 'AWS/SQS', MetricName: 'NumberOfMessagesSent', Dimensions: onDlq },
      Period: 300,
      Stat: 'Sum',
    });
    expect(stat('visible')).toEqual({
      Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: onDlq },
      Period: 300,
      Stat: 'Maximum',
    });
  });

  it('warns before a dead letter expires from the 14-day queue', () => {
    const { template } = synth();
    expect(alarm(template, 'DeadLetterExpiringAlarm')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [deadLetterQueueId(template), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Threshold: (14 - DEAD_LETTER_EXPIRY_WARNING.toDays()) * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.absent(),
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('notifies the alarm topic, and back, like every alarm', () => {
    const { template } = synth({ 'tfe-bridge:alarmEmail': 'ops@example.com' });
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    for (const prefix of [
      'DeadLettersSentAlarm',
      'DeadLetterExpiringAlarm',
      'ReceiverThrottles',
      'Receiver4xx',
    ]) {
      expect(alarm(template, prefix)).toMatchObject({
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
      });
    }
  });
});

describe('receiver concurrency', () => {
  it(`reserves ${DEFAULT_RECEIVER_RESERVED_CONCURRENCY} by default and says at synth what the account quota must allow`, () => {
    const { stack, template } = synth();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('receiver'),
      ReservedConcurrentExecutions: DEFAULT_RECEIVER_RESERVED_CONCURRENCY,
    });
    // The worker is bounded by its event source instead.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('worker'),
      ReservedConcurrentExecutions: Match.absent(),
    });
    const infos = Annotations.fromStack(stack).findInfo(
      '*',
      Match.stringLikeRegexp('reserves 20 concurrent'),
    );
    expect(infos).toHaveLength(1);
    expect(String(infos[0]?.entry.data)).toContain('keeps 100 of the account');
    expect(String(infos[0]?.entry.data)).toContain('-c tfe-bridge:receiverReservedConcurrency=none');
  });

  it.each(['none', '0', 0])('reserves nothing, and says nothing, with %j', (value) => {
    const { stack, template } = synth({ 'tfe-bridge:receiverReservedConcurrency': value });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('receiver'),
      ReservedConcurrentExecutions: Match.absent(),
    });
    expect(Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('reserves'))).toEqual([]);
  });

  it('alarms when the receiver is throttled and when it answers many 4xx', () => {
    const { template } = synth();
    const onReceiver = [{ Name: 'FunctionName', Value: { Ref: receiverId(template) } }];
    expect(alarm(template, 'ReceiverThrottlesAlarm')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: onReceiver,
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarm(template, 'Receiver4xxAlarm')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Url4xxCount',
      Dimensions: onReceiver,
      Statistic: 'Sum',
      Threshold: RECEIVER_4XX_ALARM_COUNT,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});

describe('cdk-nag', () => {
  it('stays clean with the queues deleted with the stack and no reserved concurrency', () => {
    const { stack } = synth({
      'tfe-bridge:retainQueues': false,
      'tfe-bridge:receiverReservedConcurrency': 'none',
      'tfe-bridge:alarmEmail': 'ops@example.com',
    });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
