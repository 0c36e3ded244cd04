// The bridge's CloudWatch dashboard and the alarms on its own (EMF) metrics: rejected signatures
// and the delivery error rate. Names and dimensions come from lambda/core/metric-names.ts; the
// alarms use the rollup dimension sets ({service, result}, {service, outcome}), because a
// CloudWatch alarm needs one exact dimension set and cannot sum over routes or destinations.
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, type MetricName } from '../lambda/core/metric-names';

/** Rejected signatures in five minutes that raise the alarm: one stray request does not, a
 *  signing token changed on one side only does within a run's few notifications. */
export const REJECTED_SIGNATURES_ALARM_COUNT = 3;
/** Failed attempts (retried or dead-lettered) out of all, in percent, over five minutes. */
export const DELIVERY_ERROR_RATE_ALARM_PERCENT = 20;
/** Below this many attempts in five minutes the error rate is too noisy to alarm on. */
export const DELIVERY_ERROR_RATE_MIN_ATTEMPTS = 5;

const PERIOD = Duration.minutes(5);

export interface BridgeObservabilityProps {
  readonly receiver: LambdaFunction;
  readonly worker: LambdaFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
}

export class BridgeObservability extends Construct {
  /** The `service` dimension of every metric: the stack name, so two deployments stay apart. */
  readonly service: string;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: BridgeObservabilityProps) {
    super(scope, id);
    this.service = Stack.of(this).stackName;
    for (const fn of [props.receiver, props.worker]) {
      fn.addEnvironment('POWERTOOLS_SERVICE_NAME', this.service);
    }
    this.alarms = [this.rejectedSignaturesAlarm(), this.deliveryErrorRateAlarm(), this.circuitOpenedAlarm()];
    this.dashboard = this.createDashboard(props);
  }

  /** One of our metrics under a rollup dimension set. */
  private metric(name: MetricName, dimensions: Record<string, string>, statistic: string): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: this.service, ...dimensions },
      statistic,
      period: PERIOD,
    });
  }

  /**
   * Every series of a metric under one dimension set, each labelled with its dimension values,
   * for graphs (alarms cannot use SEARCH).
   */
  private search(name: MetricName, dimensions: string[], statistic: string): MathExpression {
    const schema = [METRICS_NAMESPACE, 'service', ...dimensions].join(',');
    return new MathExpression({
      expression: `SEARCH('{${schema}} MetricName="${name}" service="${this.service}"', '${statistic}', ${PERIOD.toSeconds()})`,
      // A CloudWatch dynamic label: the series' own dimension values.
      label: dimensions.map((dimension) => `$\{PROP('Dim.${dimension}')}`).join(' '),
      period: PERIOD,
    });
  }

  private rejectedSignaturesAlarm(): Alarm {
    return new Alarm(this, 'RejectedSignaturesAlarm', {
      metric: this.metric('received', { result: 'rejected_signature' }, Stats.SUM),
      threshold: REJECTED_SIGNATURES_ALARM_COUNT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'tfe-bridge: webhooks rejected for a bad signature (the signing token differs between HashiCorp and ' +
        'the route secret, or someone is probing the URL). Rejected notifications are not resent.',
    });
  }

  private deliveryErrorRateAlarm(): Alarm {
    const outcome = (value: string) => this.metric('deliveries', { outcome: value }, Stats.SUM);
    // FILL: an outcome with no data in the period is zero, not a gap that hides the others.
    const failed = '(FILL(retried, 0) + FILL(dead, 0))';
    const total = `(FILL(delivered, 0) + ${failed})`;
    return new Alarm(this, 'DeliveryErrorRateAlarm', {
      metric: new MathExpression({
        expression: `IF(${total} >= ${DELIVERY_ERROR_RATE_MIN_ATTEMPTS}, 100 * ${failed} / ${total}, 0)`,
        usingMetrics: {
          delivered: outcome('delivered'),
          retried: outcome('retried'),
          dead: outcome('dead_lettered'),
        },
        label: 'Failed delivery attempts (%)',
        period: PERIOD,
      }),
      threshold: DELIVERY_ERROR_RATE_ALARM_PERCENT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `tfe-bridge: over ${DELIVERY_ERROR_RATE_ALARM_PERCENT}% of delivery attempts failed in 5 minutes (a destination is down or refusing).`,
    });
  }

  private circuitOpenedAlarm(): Alarm {
    return new Alarm(this, 'CircuitOpenedAlarm', {
      metric: this.metric('circuit_changes', { state: 'opened' }, Stats.SUM),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'tfe-bridge: a destination failed too many times in a row and is paused (its jobs stay queued, ' +
        'a probe is sent after the cool-down). The log line "circuit opened" names it.',
    });
  }

  private createDashboard(props: BridgeObservabilityProps): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(24) });
    const latency = (statistic: string) =>
      this.metric('delivery_latency', {}, statistic).with({ label: `attempt ${statistic}` });
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Webhooks received, by result',
        left: [this.search('received', ['result'], Stats.SUM)],
        width: 12,
      }),
      new GraphWidget({
        title: 'Deliveries, by outcome',
        left: [this.search('deliveries', ['outcome'], Stats.SUM)],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Delivery attempt latency (ms)',
        left: [latency('p50'), latency('p99')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead-letter queue depth',
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: Stats.MAXIMUM,
            label: 'dead letters',
          }),
        ],
        right: [
          props.queue.metricApproximateAgeOfOldestMessage({
            period: PERIOD,
            statistic: Stats.MAXIMUM,
            label: 'oldest job (s)',
          }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Deliveries, by destination and outcome',
        left: [this.search('deliveries', ['destination', 'outcome', 'route'], Stats.SUM)],
        width: 8,
      }),
    );
    return dashboard;
  }
}
