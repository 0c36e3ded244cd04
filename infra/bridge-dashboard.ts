// The bridge's CloudWatch dashboard: webhooks by result, deliveries by outcome and destination,
// attempt latency, and the queues.
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, type MetricName } from '../lambda/core/metric-names';
import { bridgeMetric, METRIC_PERIOD } from './bridge-metrics';

export interface BridgeDashboardProps {
  readonly service: string;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

/**
 * Every series of a metric under one dimension set, each labelled with its dimension values, for
 * graphs (alarms cannot use SEARCH).
 */
function searchMetric(service: string, name: MetricName, dimensions: string[], statistic: string) {
  const schema = [METRICS_NAMESPACE, 'service', ...dimensions].join(',');
  return new MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${name}" service="${service}"', '${statistic}', ${METRIC_PERIOD.toSeconds()})`,
    // A CloudWatch dynamic label: the series' own dimension values.
    label: dimensions.map((dimension) => `$\{PROP('Dim.${dimension}')}`).join(' '),
    period: METRIC_PERIOD,
  });
}

export function createDashboard(scope: Construct, props: BridgeDashboardProps): Dashboard {
  const { service } = props;
  const dashboard = new Dashboard(scope, 'Dashboard', { defaultInterval: Duration.hours(24) });
  const latency = (statistic: string) =>
    bridgeMetric(service, 'delivery_latency', {}, statistic).with({ label: `attempt ${statistic}` });
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Webhooks received, by result',
      left: [searchMetric(service, 'received', ['result'], Stats.SUM)],
      width: 12,
    }),
    new GraphWidget({
      title: 'Deliveries, by outcome',
      left: [searchMetric(service, 'deliveries', ['outcome'], Stats.SUM)],
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
          period: METRIC_PERIOD,
          statistic: Stats.MAXIMUM,
          label: 'dead letters',
        }),
      ],
      right: [
        props.queue.metricApproximateAgeOfOldestMessage({
          period: METRIC_PERIOD,
          statistic: Stats.MAXIMUM,
          label: 'oldest job (s)',
        }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'Deliveries, by destination and outcome',
      left: [searchMetric(service, 'deliveries', ['destination', 'outcome', 'route'], Stats.SUM)],
      width: 8,
    }),
  );
  return dashboard;
}
