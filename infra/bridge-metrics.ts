// The bridge's own (EMF) metrics as CloudWatch sees them, for alarms and the dashboard. Names and
// dimensions come from lambda/core/metric-names.ts.
import { Duration, Stack } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { METRICS_NAMESPACE, type MetricName } from '../lambda/core/metric-names';

export const METRIC_PERIOD = Duration.minutes(5);

/** The `service` dimension of every metric: the stack name, so two deployments stay apart. The
 *  functions get it as POWERTOOLS_SERVICE_NAME. */
export const metricsService = (scope: IConstruct): string => Stack.of(scope).stackName;

/** One of our metrics under one dimension set (the `service` dimension added). */
export function bridgeMetric(
  service: string,
  name: MetricName,
  dimensions: Record<string, string>,
  statistic: string,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service, ...dimensions },
    statistic,
    period: METRIC_PERIOD,
  });
}
