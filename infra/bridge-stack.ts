// The AWS deployment of the bridge: a receiver Lambda behind a Function URL, a FIFO job queue and
// dead-letter queue, a worker Lambda, alarms, and least-privilege grants to exactly the secrets
// the config names.
import {
  ArnFormat,
  Aws,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, type FunctionUrl, FunctionUrlAuthType, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type LogLevel, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { HOLDING_MAX_RECEIVE_COUNT } from '../lambda/adapters/aws/receive-tally';
import { SQS_MAX_MESSAGE_BYTES } from '../lambda/adapters/aws/sqs-job-queue';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { SECRET_PLACEHOLDER } from '../lambda/core/secrets';
import { BridgeObservability } from './bridge-observability';
import {
  destinationSecretIds,
  jsonKeysBySecret,
  signingJsonKeyBySecret,
  signingSecretIds,
} from './config-secrets';
import { bundlingOptions, entryPath, LOCK_FILE, PROJECT_ROOT } from './lambda-bundling';
import { ReplayGuardTable } from './replay-guard-table';

/** Jobs per worker invocation. One, on purpose: in a FIFO batch, the jobs queued behind a
 *  failing one of the same group are handed back untried, yet SQS counts a receive for each,
 *  so ApproximateReceiveCount (the worker's attempt number) would run ahead of real attempts and
 *  dead-letter them early. With one job per batch, a group's next job is not received until the
 *  one before it is done. Notification volumes are low; concurrency comes from parallel groups. */
export const WORKER_BATCH_SIZE = 1;
/** Worker invocations running at once: bounds the load on destinations and on the account. */
export const DEFAULT_WORKER_MAX_CONCURRENCY = 5;
/** Lambda's lower bound for an SQS event source's maximum concurrency. */
const MIN_EVENT_SOURCE_CONCURRENCY = 2;
/** Receives beyond the largest retry budget before SQS itself dead-letters a job, when no
 *  destination can have its jobs held back (see maxReceiveCountFor). The worker dead-letters on
 *  its own after the last try; this only catches jobs that crash the worker. */
export const REDRIVE_SAFETY_MARGIN = 2;
/** A job still queued after this long means deliveries are stuck, not merely retrying. */
export const OLDEST_JOB_ALARM_AGE = Duration.hours(1);

const RECEIVER_TIMEOUT = Duration.seconds(10);
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
const SQS_MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

export interface BridgeStackProps extends StackProps {
  /** The validated config, `{ file }` templates already inlined (see deploy-config.ts). */
  readonly config: BridgeConfig;
  /** Email address subscribed to the alarm topic. No topic is created without one. */
  readonly alarmEmail?: string;
  /** Prefix for physical names (functions, queues, log groups). Default: generated names. */
  readonly namePrefix?: string;
  /** Create every named secret (random placeholder values) instead of referencing existing ones. */
  readonly createSecrets?: boolean;
  /**
   * Reserved concurrency for the receiver. Default: none, because new accounts have a concurrency
   * quota of 10 and Lambda refuses to reserve any of it; set it where the quota allows, to stop a
   * flood of requests from starving the account's other functions.
   */
  readonly receiverReservedConcurrency?: number;
  /** Maximum concurrent worker invocations (the event source's maxConcurrency, 2-1000). */
  readonly workerMaxConcurrency?: number;
  readonly logRetention?: RetentionDays;
  /** esbuild's log level while bundling (tests silence it). */
  readonly bundlingLogLevel?: LogLevel;
}

export class BridgeStack extends Stack {
  readonly receiver: NodejsFunction;
  readonly worker: NodejsFunction;
  readonly functionUrl: FunctionUrl;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly alarms: Alarm[];
  readonly alarmTopic: Topic | undefined;
  readonly observability: BridgeObservability;
  /** Only when the config enables `replayGuard`. */
  readonly replayGuard: ReplayGuardTable | undefined;

  constructor(scope: Construct, id: string, props: BridgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const name = (suffix: string) => (props.namePrefix ? `${props.namePrefix}-${suffix}` : undefined);
    const bundling = bundlingOptions(config, props.bundlingLogLevel);

    // Queues ----------------------------------------------------------------------------------
    const workerTimeout = workerTimeoutFor(config);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...optional('queueName', name('dead-letters.fifo')),
      fifo: true,
      contentBasedDeduplication: false,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
    });
    this.queue = new Queue(this, 'JobQueue', {
      ...optional('queueName', name('jobs.fifo')),
      fifo: true,
      // The receiver sets MessageDeduplicationId = sha256(destination + body) itself.
      contentBasedDeduplication: false,
      // High-throughput FIFO: ordering and deduplication are per destination (message group).
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Set, not left to the default (256 KiB for queues made before SQS raised it): the receiver
      // refuses jobs over this less the dead-letter attributes' room (MAX_JOB_MESSAGE_BYTES).
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      // The SQS maximum: a config may space retries out over days, and a job that expires on
      // the queue is lost without a trace (a dead letter at least says why).
      retentionPeriod: Duration.days(14),
      // AWS's rule for Lambda event sources: at least six times the function timeout, so a batch
      // whose invocation is retried after throttling is not redelivered while still running.
      visibilityTimeout: Duration.seconds(
        Math.min(SQS_MAX_VISIBILITY_SECONDS, 6 * workerTimeout.toSeconds()),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: maxReceiveCountFor(config) },
    });

    // Functions -------------------------------------------------------------------------------
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const common = {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      bundling,
    } as const;

    this.receiver = new NodejsFunction(this, 'Receiver', {
      ...common,
      ...optional('functionName', name('receiver')),
      description: 'tfe-bridge receiver: verifies webhook signatures and enqueues delivery jobs',
      entry: entryPath('receiver'),
      // More memory is more CPU: HashiCorp waits on this answer, cold starts included.
      memorySize: 512,
      timeout: RECEIVER_TIMEOUT,
      ...this.roleAndLogs('Receiver', name('receiver'), retention),
      // No --enable-source-maps here: reading the 1 MB map cost 2-33% of a cold start's first
      // response in `npm run bench`, and the receiver's few errors are logged with a message.
      environment: { QUEUE_URL: this.queue.queueUrl },
      ...optional('reservedConcurrentExecutions', props.receiverReservedConcurrency),
    });
    // The HMAC signature on every request is the authentication; HashiCorp cannot sign SigV4.
    // No CORS: only servers call this URL, never browsers.
    this.functionUrl = this.receiver.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    this.worker = new NodejsFunction(this, 'Worker', {
      ...common,
      ...optional('functionName', name('worker')),
      description: 'tfe-bridge worker: delivers queued jobs to their destinations',
      entry: entryPath('worker'),
      memorySize: 256,
      timeout: workerTimeout,
      ...this.roleAndLogs('Worker', name('worker'), retention),
      environment: {
        QUEUE_URL: this.queue.queueUrl,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: workerMaxConcurrencyFor(config, props.workerMaxConcurrency),
      }),
    );

    // Permissions -----------------------------------------------------------------------------
    // The event source grants receive/delete/ChangeMessageVisibility on the job queue.
    this.queue.grantSendMessages(this.receiver);
    this.replayGuard = config.replayGuard
      ? new ReplayGuardTable(this, 'ReplayGuard', { tableName: name('replay-guard') })
      : undefined;
    if (this.replayGuard) {
      this.replayGuard.grantReceiver(this.receiver);
      this.receiver.addEnvironment('REPLAY_GUARD_TABLE', this.replayGuard.table.tableName);
    }
    this.deadLetterQueue.grantSendMessages(this.worker);
    const secretArns = this.secretArns(props.createSecrets === true, config);
    grantSecretRead(this.receiver, signingSecretIds(config).map(secretArns));
    grantSecretRead(this.worker, destinationSecretIds(config).map(secretArns));

    // Alarms ----------------------------------------------------------------------------------
    // Dashboard and the alarms on the bridge's own metrics (infra/bridge-observability.ts).
    this.observability = new BridgeObservability(this, 'Observability', {
      receiver: this.receiver,
      worker: this.worker,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.alarms = [...this.createAlarms(), ...this.observability.alarms];
    this.alarmTopic = props.alarmEmail ? this.alarmTopicFor(props.alarmEmail, this.alarms) : undefined;

    // Outputs ---------------------------------------------------------------------------------
    const outputIds = new Set<string>();
    config.routes.forEach((route, index) => {
      let outputId = `WebhookUrl${pascalCase(route.id)}`;
      if (outputIds.has(outputId)) outputId = `${outputId}${index}`;
      outputIds.add(outputId);
      new CfnOutput(this, outputId, {
        description: `Webhook URL of route "${route.id}": paste it into HCP Terraform with the route's signing token`,
        // The Function URL ends with a slash.
        value: `${this.functionUrl.url}hooks/${route.id}`,
      });
    });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl, description: 'Delivery job queue' });
    new CfnOutput(this, 'QueueArn', {
      value: this.queue.queueArn,
      description: 'Destination ARN for `aws sqs start-message-move-task` (redrive)',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'Dead letters: jobs that failed permanently or ran out of retries',
    });
    new CfnOutput(this, 'DeadLetterQueueArn', {
      value: this.deadLetterQueue.queueArn,
      description: 'Source ARN for `aws sqs start-message-move-task` (redrive)',
    });
    if (this.alarmTopic) {
      new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Alarm topic' });
    }
  }

  /**
   * An execution role with no managed policy (AWSLambdaBasicExecutionRole allows writing to every
   * log group) and the function's own log group, with retention, that only it may write to.
   */
  private roleAndLogs(id: string, functionName: string | undefined, retention: RetentionDays) {
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `tfe-bridge ${id.toLowerCase()} execution role`,
    });
    const logGroup = new LogGroup(this, `${id}Logs`, {
      ...optional('logGroupName', functionName && `/aws/lambda/${functionName}`),
      retention,
    });
    logGroup.grantWrite(role);
    return { role, logGroup };
  }

  /** Maps a secret id to the ARN pattern (or the created secret's ARN) to grant. */
  private secretArns(create: boolean, config: BridgeConfig): (secretId: string) => string {
    if (!create) return (secretId) => secretArnPattern(this, secretId);
    const created = new Map<string, string>();
    // The JSON key a route signs with must be the random one, never the placeholder.
    const signingKeys = signingJsonKeyBySecret(config);
    let index = 0;
    for (const [secretId, jsonKeys] of jsonKeysBySecret(config)) {
      if (secretId.startsWith('arn:')) continue;
      const secret = new Secret(this, `Secret${index++}`, {
        secretName: secretId,
        description: `tfe-bridge: ${secretId} (placeholder: replace with put-secret-value unless it is a signing token)`,
        generateSecretString: placeholderValue(jsonKeys, signingKeys.get(secretId)),
        // Tokens were pasted into HashiCorp and into partners: never delete them with the stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Signing tokens and destination credentials are issued to or by third parties (HashiCorp, ' +
          'the destination API); rotating them means re-issuing them there, which a rotation Lambda cannot do.',
      });
      created.set(secretId, secret.secretArn);
    }
    return (secretId) => created.get(secretId) ?? secretArnPattern(this, secretId);
  }

  private createAlarms(): Alarm[] {
    const alarm = (id: string, metric: IMetric, description: string, threshold = 0) =>
      new Alarm(this, id, {
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
    const fiveMinutes = { period: Duration.minutes(5) };
    return [
      alarm(
        'DeadLetterAlarm',
        this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          ...fiveMinutes,
          statistic: Stats.MAXIMUM,
        }),
        'tfe-bridge: jobs in the dead-letter queue (a notification was not delivered). See docs/deploy.md.',
      ),
      alarm(
        'OldestJobAlarm',
        this.queue.metricApproximateAgeOfOldestMessage({ ...fiveMinutes, statistic: Stats.MAXIMUM }),
        'tfe-bridge: a delivery job has waited over an hour (the worker is failing or throttled).',
        OLDEST_JOB_ALARM_AGE.toSeconds(),
      ),
      alarm(
        'ReceiverErrorsAlarm',
        this.receiver.metricErrors({ ...fiveMinutes, statistic: Stats.SUM }),
        'tfe-bridge: the receiver function failed (crash or timeout).',
      ),
      alarm(
        'Receiver5xxAlarm',
        // Function URL metrics have no L2 helper. A 503 (jobs not stored) is handled, so it shows
        // here and not in Errors.
        new Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Url5xxCount',
          dimensionsMap: { FunctionName: this.receiver.functionName },
          ...fiveMinutes,
          statistic: Stats.SUM,
        }),
        'tfe-bridge: the receiver answered 5xx (HashiCorp was told to resend, or gave up).',
      ),
      alarm(
        'WorkerErrorsAlarm',
        this.worker.metricErrors({ ...fiveMinutes, statistic: Stats.SUM }),
        'tfe-bridge: the worker function failed (crash or timeout); its batch will be retried.',
      ),
    ];
  }

  private alarmTopicFor(email: string, alarms: Alarm[]): Topic {
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const sameAccount = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
    // Alarms cannot publish to a topic encrypted with the AWS-managed SNS key: it takes a
    // customer-managed key whose policy lets CloudWatch use it.
    const key = new Key(this, 'AlarmTopicKey', {
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
    const topic = new Topic(this, 'AlarmTopic', {
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
    const action = new SnsAction(topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return topic;
  }
}

/**
 * SQS's own dead-lettering, a safety net behind the worker's: the largest retry budget + margin.
 * A destination with a circuit breaker or a rate limit may have its jobs held back by visibility,
 * and every such receive counts too: then SQS's maximum, which the worker never reaches (it
 * dead-letters a held job as `expired` before, see receive-tally.ts).
 */
export function maxReceiveCountFor(config: BridgeConfig): number {
  const destinations = config.routes.flatMap((route) => route.destinations);
  if (destinations.some((d) => d.circuitBreaker !== false || d.rateLimit !== undefined)) {
    return HOLDING_MAX_RECEIVE_COUNT;
  }
  return Math.max(...destinations.map((d) => d.retry.maxAttempts)) + REDRIVE_SAFETY_MARGIN;
}

/** The stack prop (or context) wins, then the config's `maxConcurrency`; Lambda's minimum is 2. */
export function workerMaxConcurrencyFor(config: BridgeConfig, fromProps: number | undefined): number {
  if (fromProps !== undefined) return fromProps;
  if (config.maxConcurrency === undefined) return DEFAULT_WORKER_MAX_CONCURRENCY;
  return Math.max(MIN_EVENT_SOURCE_CONCURRENCY, config.maxConcurrency);
}

/**
 * Long enough for a full batch of the slowest destination: FIFO order makes a batch from one
 * message group run one job after another, and a 401 retries an attempt once with a fresh secret.
 */
export function workerTimeoutFor(config: BridgeConfig): Duration {
  const slowestMs = Math.max(...config.routes.flatMap((route) => route.destinations.map((d) => d.timeoutMs)));
  const batchSeconds = Math.ceil((WORKER_BATCH_SIZE * (2 * slowestMs + 1_000)) / 1_000) + 10;
  return Duration.seconds(Math.min(LAMBDA_MAX_TIMEOUT_SECONDS, Math.max(60, batchSeconds)));
}

/**
 * The ARN of a secret by name: Secrets Manager appends "-" and six random characters. A full ARN
 * in the config is used as it is.
 */
export function secretArnPattern(stack: Stack, secretId: string): string {
  if (secretId.startsWith('arn:')) return secretId;
  return stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secretId}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function grantSecretRead(grantee: IGrantable, arns: string[]): void {
  if (arns.length === 0) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: arns }),
  );
}

/**
 * A random value for a new secret: the whole value, or one JSON key (the signing key if the
 * secret holds one, else the first) while the others hold the placeholder, which the receiver
 * refuses to verify with.
 */
function placeholderValue(jsonKeys: string[], signingKey: string | undefined) {
  const random = { passwordLength: 48, excludePunctuation: true };
  const generated = signingKey ?? jsonKeys[0];
  if (generated === undefined) return random;
  const rest = jsonKeys.filter((key) => key !== generated);
  return {
    ...random,
    secretStringTemplate: JSON.stringify(Object.fromEntries(rest.map((key) => [key, SECRET_PLACEHOLDER]))),
    generateStringKey: generated,
  };
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/** `{ key: value }` when value is set, `{}` otherwise (exactOptionalPropertyTypes forbids undefined). */
function optional<K extends string, V>(key: K, value: V | undefined | '' | false): { [P in K]?: V } {
  return value === undefined || value === '' || value === false ? {} : ({ [key]: value } as { [P in K]: V });
}
