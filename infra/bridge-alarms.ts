// Every alarm of the bridge, the SNS topic they notify, and the dashboard that graphs what they
// watch. AWS's metrics tell that something failed (dead letters, a stuck queue, function errors,
// receiver 5xx); the bridge's own tell why (rejected signatures, failing deliveries, an open
// circuit). Those use the rollup dimension sets ({service, result}, {service, outcome},
// {service, state}): a CloudWatch alarm needs one exact dimension set and cannot sum over routes.
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type Dashboard,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createDashboard } from './bridge-dashboard';
import { bridgeMetric, METRIC_PERIOD, metricsService } from './bridge-metrics';
import { RETENTION } from './job-queue';

/** A job still queued after this long means deliveries are stuck, not merely retrying. */
export const OLDEST_JOB_ALARM_AGE = Duration.hours(1);
/** Rejected signatures in five minutes that raise the alarm: one stray request does not, a
 *  signing token changed on one side only does within a run's few notifications. */
export const REJECTED_SIGNATURES_ALARM_COUNT = 3;
/** Failed attempts (retried or dead-lettered) out of all, in percent, over five minutes. */
export const DELIVERY_ERROR_RATE_ALARM_PERCENT = 20;
/** Requests answered 4xx in five minutes that raise the alarm: HashiCorp's own requests are
 *  signed and routed, so this many means probing, a flood, or throttling (429). */
export const RECEIVER_4XX_ALARM_COUNT = 50;
/** A dead letter this old expires from the queue in DEAD_LETTER_EXPIRY_WARNING: time to act. */
export const DEAD_LETTER_EXPIRY_WARNING = Duration.days(4);
/** Below this many attempts in five minutes the error rate is too noisy to alarm on. */
export const DELIVERY_ERROR_RATE_MIN_ATTEMPTS = 5;

export interface BridgeAlarmsProps {
  readonly receiver: IFunction;
  readonly worker: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** Subscribed to the alarm topic. No topic (and no alarm actions) without one. */
  readonly alarmEmail?: string | undefined;
  /** An existing topic to notify instead: no topic is created, `alarmEmail` is not subscribed. */
  readonly alarmTopic?: ITopic | undefined;
}

interface AlarmSpec {
  metric: IMetric;
  description: string;
  threshold?: number;
  /** Default: greater than the threshold. */
  atLeast?: boolean;
}

/** One alarm, one five-minute period; no data (a quiet bridge) is not a breach. */
const addAlarm = (scope: Construct, id: string, spec: AlarmSpec) =>
  new Alarm(scope, id, {
    metric: spec.metric,
    threshold: spec.threshold ?? 0,
    comparisonOperator: spec.atLeast
      ? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
      : ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: spec.description,
  });

export class BridgeAlarms extends Construct {
  readonly alarms: Alarm[];
  readonly dashboard: Dashboard;
  readonly topic: ITopic | undefined;

  constructor(scope: Construct, id: string, props: BridgeAlarmsProps) {
    super(scope, id);
    const service = metricsService(this);
    // The alarms on the bridge's own metrics and the dashboard were made in a construct named
    // `Observability`; this scope keeps their logical ids, so an update does not replace them (a
    // replaced alarm loses its history, a replaced dashboard its name and address).
    const observability = new Construct(this, 'Observability');
    this.alarms = [...awsMetricAlarms(this, props), ...bridgeMetricAlarms(observability, service)];
    this.dashboard = createDashboard(observability, { service, ...props });
    this.topic =
      props.alarmTopic ?? (props.alarmEmail ? createAlarmTopic(this, props.alarmEmail) : undefined);
    if (this.topic) notifyOnChange(this.topic, this.alarms);
  }
}

function awsMetricAlarms(scope: Construct, props: BridgeAlarmsProps): Alarm[] {
  const maximum = { period: METRIC_PERIOD, statistic: Stats.MAXIMUM };
  const sum = { period: METRIC_PERIOD, statistic: Stats.SUM };
  const receiverMetric = (metricName: string) =>
    new Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: props.receiver.functionName },
      ...sum,
    });
  return [
    addAlarm(scope, 'DeadLetterAlarm', {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(maximum),
      description:
        'tfe-bridge: jobs in the dead-letter queue (a notification was not delivered). See docs/deploy.md.',
    }),
    addAlarm(scope, 'DeadLettersSentAlarm', {
      // The alarm above stays in ALARM while letters wait, so it notifies only for the first.
      // This one goes back to OK after a quiet period and fires again for the next letter.
      metric: new MathExpression({
        expression: 'FILL(sent, 0) + FILL(IF(DIFF(visible) > 0, DIFF(visible), 0), 0)',
        usingMetrics: {
          // The worker's SendMessage of each dead letter (and any sent by hand)...
          sent: props.deadLetterQueue.metricNumberOfMessagesSent(sum),
          // ...but SQS's own redrive does not count as sent: those show only as growth.
          visible: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(maximum),
        },
        label: 'New dead letters',
        period: METRIC_PERIOD,
      }),
      description:
        'tfe-bridge: new dead letters in the last 5 minutes (a notification was not delivered). Fires again ' +
        'for each new batch, even while older letters wait. See docs/deploy.md.',
    }),
    addAlarm(scope, 'DeadLetterExpiringAlarm', {
      metric: props.deadLetterQueue.metricApproximateAgeOfOldestMessage(maximum),
      threshold: RETENTION.minus(DEAD_LETTER_EXPIRY_WARNING).toSeconds(),
      description: `tfe-bridge: a dead letter expires (is deleted by SQS) within ${DEAD_LETTER_EXPIRY_WARNING.toDays()} days: replay or save it now.`,
    }),
    addAlarm(scope, 'OldestJobAlarm', {
      metric: props.queue.metricApproximateAgeOfOldestMessage(maximum),
      threshold: OLDEST_JOB_ALARM_AGE.toSeconds(),
      description: 'tfe-bridge: a delivery job has waited over an hour (the worker is failing or throttled).',
    }),
    addAlarm(scope, 'ReceiverErrorsAlarm', {
      metric: props.receiver.metricErrors(sum),
      description: 'tfe-bridge: the receiver function failed (crash or timeout).',
    }),
    addAlarm(scope, 'Receiver5xxAlarm', {
      // Function URL metrics have no L2 helper. A 503 (jobs not stored) is handled, so it shows
      // here and not in Errors.
      metric: receiverMetric('Url5xxCount'),
      description: 'tfe-bridge: the receiver answered 5xx (HashiCorp was told to resend, or gave up).',
    }),
    addAlarm(scope, 'ReceiverThrottlesAlarm', {
      metric: props.receiver.metricThrottles(sum),
      description:
        'tfe-bridge: the receiver hit its reserved concurrency and refused requests with 429 (a flood, or ' +
        'more webhooks than the cap allows: raise tfe-bridge:receiverReservedConcurrency).',
    }),
    addAlarm(scope, 'Receiver4xxAlarm', {
      metric: receiverMetric('Url4xxCount'),
      threshold: RECEIVER_4XX_ALARM_COUNT,
      atLeast: true,
      description: `tfe-bridge: the receiver answered 4xx ${RECEIVER_4XX_ALARM_COUNT}+ times in 5 minutes (probing, a flood of unsigned requests, or throttling).`,
    }),
    addAlarm(scope, 'WorkerErrorsAlarm', {
      metric: props.worker.metricErrors(sum),
      description: 'tfe-bridge: the worker function failed (crash or timeout); its batch will be retried.',
    }),
  ];
}

function bridgeMetricAlarms(scope: Construct, service: string): Alarm[] {
  const outcome = (value: string) => bridgeMetric(service, 'deliveries', { outcome: value }, Stats.SUM);
  // FILL: an outcome with no data in the period is zero, not a gap that hides the others.
  const failed = '(FILL(retried, 0) + FILL(dead, 0))';
  const total = `(FILL(delivered, 0) + ${failed})`;
  return [
    addAlarm(scope, 'RejectedSignaturesAlarm', {
      metric: bridgeMetric(service, 'received', { result: 'rejected_signature' }, Stats.SUM),
      threshold: REJECTED_SIGNATURES_ALARM_COUNT,
      atLeast: true,
      description:
        'tfe-bridge: webhooks rejected for a bad signature (the signing token differs between HashiCorp and ' +
        'the route secret, or someone is probing the URL). Rejected notifications are not resent.',
    }),
    addAlarm(scope, 'DeliveryErrorRateAlarm', {
      metric: new MathExpression({
        expression: `IF(${total} >= ${DELIVERY_ERROR_RATE_MIN_ATTEMPTS}, 100 * ${failed} / ${total}, 0)`,
        usingMetrics: {
          delivered: outcome('delivered'),
          retried: outcome('retried'),
          dead: outcome('dead_lettered'),
        },
        label: 'Failed delivery attempts (%)',
        period: METRIC_PERIOD,
      }),
      threshold: DELIVERY_ERROR_RATE_ALARM_PERCENT,
      description: `tfe-bridge: over ${DELIVERY_ERROR_RATE_ALARM_PERCENT}% of delivery attempts failed in 5 minutes (a destination is down or refusing).`,
    }),
    addAlarm(scope, 'CircuitOpenedAlarm', {
      metric: bridgeMetric(service, 'circuit_changes', { state: 'opened' }, Stats.SUM),
      threshold: 1,
      atLeast: true,
      description:
        'tfe-bridge: a destination failed too many times in a row and is paused (its jobs stay queued, ' +
        'a probe is sent after the cool-down). The log line "circuit opened" names it.',
    }),
  ];
}

/** Each alarm notifies the topic when it fires and when it clears. */
function notifyOnChange(topic: ITopic, alarms: Alarm[]): void {
  const action = new SnsAction(topic);
  for (const alarm of alarms) {
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
}

/** An encrypted, TLS-only topic with the email subscribed. */
function createAlarmTopic(scope: Construct, email: string): Topic {
  const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
  const sameAccount = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
  // Alarms cannot publish to a topic encrypted with the AWS-managed SNS key: it takes a
  // customer-managed key whose policy lets CloudWatch use it.
  const key = new Key(scope, 'AlarmTopicKey', {
    description: 'tfe-bridge alarm topic encryption',
    enableKeyRotation: true,
    // It only encrypts alarm notifications in transit: nothing to keep once the stack is gone.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [cloudwatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: sameAccount,
    }),
  );
  const topic = new Topic(scope, 'AlarmTopic', {
    displayName: 'tfe-bridge alarms',
    masterKey: key,
    enforceSSL: true,
  });
  topic.addToResourcePolicy(
    new PolicyStatement({
      principals: [cloudwatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: sameAccount,
    }),
  );
  topic.addSubscription(new EmailSubscription(email));
  return topic;
}
