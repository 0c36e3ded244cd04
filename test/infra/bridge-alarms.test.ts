// Every alarm, once, at the logical id it has always had; the alarms on the bridge's own metrics
// watch a metric under a dimension set that the Lambda functions really emit (checked against the
// EMF adapter's output); every alarm reaches the alarm topic; and the dashboard.
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DELIVERY_ERROR_RATE_ALARM_PERCENT,
  REJECTED_SIGNATURES_ALARM_COUNT,
} from '../../infra/bridge-alarms';
import { EmfMetrics } from '../../lambda/adapters/aws/emf-metrics';
import { METRICS_NAMESPACE } from '../../lambda/core/metric-names';
import { buildApp, removeTempDirs } from './cdk-testing';

afterAll(removeTempDirs);

type Json = Record<string, unknown>;
interface MetricRef {
  Namespace: string;
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: unknown }>;
}

let template: Template;
let stackName: string;
let resources: Record<string, Json & { Type: string; Properties: Json }>;

beforeAll(() => {
  const { stack } = buildApp({ context: { 'tfe-bridge:alarmEmail': 'ops@example.com' } });
  template = Template.fromStack(stack);
  stackName = stack.stackName;
  resources = template.toJSON().Resources;
}, 60_000);

const alarmsByPrefix = (prefix: string) =>
  Object.entries(resources)
    .filter(([id, r]) => r.Type === 'AWS::CloudWatch::Alarm' && id.startsWith(prefix))
    .map(([, r]) => r.Properties);

/** The EMF documents the functions write for one sample of each outcome the alarms watch. */
function emittedDocuments(): Json[] {
  const lines: string[] = [];
  const metrics = new EmfMetrics({ service: stackName, write: (line) => lines.push(line) });
  metrics.count('received', { route: 'prod-runs', result: 'rejected_signature' });
  for (const outcome of ['delivered', 'retried', 'dead_lettered'] as const) {
    metrics.count('deliveries', { route: 'prod-runs', destination: 'callback', outcome });
  }
  metrics.count('circuit_changes', { route: 'prod-runs', destination: 'callback', state: 'opened' });
  metrics.observe('delivery_latency', { route: 'prod-runs', destination: 'callback' }, 120);
  metrics.publish();
  return lines.map((line) => JSON.parse(line) as Json);
}

/** True when some document publishes `ref`: same metric, exactly its dimension names, its values. */
function isEmitted(ref: MetricRef, documents: Json[]): boolean {
  const names = ref.Dimensions.map((d) => d.Name).sort();
  return documents.some((doc) => {
    const [directive] = (doc._aws as { CloudWatchMetrics: Json[] }).CloudWatchMetrics as Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string }>;
    }>;
    return (
      directive !== undefined &&
      directive.Namespace === ref.Namespace &&
      directive.Metrics.some((m) => m.Name === ref.MetricName) &&
      directive.Dimensions.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(names)) &&
      ref.Dimensions.every((d) => doc[d.Name] === d.Value)
    );
  });
}

/** The stack's alarms, by logical id: nine on AWS metrics, three on the bridge's own. */
const ALARMS = [
  'DeadLetterAlarmBB7AE56D',
  'DeadLetterExpiringAlarmFCF552A1',
  'DeadLettersSentAlarm012E3F2F',
  'ObservabilityCircuitOpenedAlarm1877F332',
  'ObservabilityDeliveryErrorRateAlarm29663149',
  'ObservabilityRejectedSignaturesAlarmE295484F',
  'OldestJobAlarm07EBD82A',
  'Receiver4xxAlarm3A133DCB',
  'Receiver5xxAlarmF7F3C16A',
  'ReceiverErrorsAlarmF6722494',
  'ReceiverThrottlesAlarm560F2CB8',
  'WorkerErrorsAlarm1932B217',
];

describe('alarms', () => {
  it('has each of the twelve alarms exactly once, at the logical id it had before the alarms were merged', () => {
    const ids = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).sort();
    expect(ids).toEqual(ALARMS);
    // Each watches something different: no alarm was made twice under another id.
    const watched = ids.map((id) => JSON.stringify({ ...resources[id]?.Properties, AlarmDescription: '' }));
    expect(new Set(watched).size).toBe(ALARMS.length);
    const descriptions = ids.map((id) => resources[id]?.Properties.AlarmDescription);
    expect(new Set(descriptions).size).toBe(ALARMS.length);
  });

  it('keeps the alarm topic, its key and the email subscription at their logical ids', () => {
    expect(Object.keys(template.findResources('AWS::SNS::Topic'))).toEqual(['AlarmTopicD01E77F9']);
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual(['AlarmTopicKey57B0D3A7']);
    expect(Object.keys(template.findResources('AWS::SNS::Subscription'))).toEqual([
      'AlarmTopicopsexamplecom7B0F70A1',
    ]);
  });
});

describe('observability', () => {
  it('alarms on rejected signatures over the {service, result} rollup the receiver emits', () => {
    const [alarm, ...others] = alarmsByPrefix('ObservabilityRejectedSignatures');
    expect(others).toEqual([]);
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: 'received',
      Statistic: 'Sum',
      Period: 300,
      Threshold: REJECTED_SIGNATURES_ALARM_COUNT,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(isEmitted(alarm as unknown as MetricRef, emittedDocuments())).toBe(true);
  });

  it('alarms when a circuit opens, over the {service, state} rollup the worker emits', () => {
    const [alarm, ...others] = alarmsByPrefix('ObservabilityCircuitOpened');
    expect(others).toEqual([]);
    expect(alarm).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: 'circuit_changes',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(isEmitted(alarm as unknown as MetricRef, emittedDocuments())).toBe(true);
  });

  it('alarms on the delivery error rate with metric math over the {service, outcome} rollup', () => {
    const [alarm, ...others] = alarmsByPrefix('ObservabilityDeliveryErrorRate');
    expect(others).toEqual([]);
    expect(alarm).toMatchObject({
      Threshold: DELIVERY_ERROR_RATE_ALARM_PERCENT,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const queries = alarm?.Metrics as Array<{
      Id: string;
      Expression?: string;
      ReturnData: boolean;
      MetricStat?: { Metric: MetricRef; Stat: string; Period: number };
    }>;
    const [expression] = queries.filter((q) => q.Expression);
    expect(expression?.ReturnData).toBe(true);
    expect(expression?.Expression).toContain('100 * (FILL(retried, 0) + FILL(dead, 0))');
    const inputs = Object.fromEntries(
      queries
        .filter((q) => q.MetricStat)
        .map((q) => [q.Id, q.MetricStat as NonNullable<typeof q.MetricStat>]),
    );
    expect(Object.keys(inputs).sort()).toEqual(['dead', 'delivered', 'retried']);
    const documents = emittedDocuments();
    for (const [id, outcome] of [
      ['delivered', 'delivered'],
      ['retried', 'retried'],
      ['dead', 'dead_lettered'],
    ] as const) {
      const stat = inputs[id];
      expect(stat?.Stat).toBe('Sum');
      expect(stat?.Metric.MetricName).toBe('deliveries');
      expect(stat?.Metric.Dimensions).toContainEqual({ Name: 'outcome', Value: outcome });
      expect(isEmitted(stat?.Metric as MetricRef, documents), `${id} is emitted`).toBe(true);
    }
  });

  it('sends the new alarms, like the others, to the alarm topic', () => {
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    const alarms = [
      ...alarmsByPrefix('ObservabilityRejectedSignatures'),
      ...alarmsByPrefix('ObservabilityDeliveryErrorRate'),
      ...alarmsByPrefix('ObservabilityCircuitOpened'),
    ];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('names the stack as the metrics service on both functions, so deployments stay apart', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(stackName);
    }
  });

  it('has a dashboard with received by result, deliveries by outcome, latency p50/p99 and DLQ depth', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const { Properties } = dashboards[0] as {
      Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
    };
    const [, parts] = Properties.DashboardBody['Fn::Join'];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')) as {
      widgets: Array<{ properties: { title: string; metrics: unknown[][] } }>;
    };
    const widget = (title: string) => {
      const found = body.widgets.find((w) => w.properties.title === title);
      if (!found) throw new Error(`no widget "${title}"`);
      return JSON.stringify(found.properties.metrics);
    };
    expect(widget('Webhooks received, by result')).toContain(
      `SEARCH('{TfeBridge,service,result} MetricName=\\"received\\" service=\\"${stackName}\\"', 'Sum', 300)`,
    );
    expect(widget('Deliveries, by outcome')).toContain(
      `SEARCH('{TfeBridge,service,outcome} MetricName=\\"deliveries\\" service=\\"${stackName}\\"', 'Sum', 300)`,
    );
    const latency = widget('Delivery attempt latency (ms)');
    expect(latency).toContain('"stat":"p50"');
    expect(latency).toContain('"stat":"p99"');
    expect(latency).toContain('["TfeBridge","delivery_latency","service"');
    expect(widget('Dead-letter queue depth')).toContain('ApproximateNumberOfMessagesVisible');
  });
});
