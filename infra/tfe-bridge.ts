// The bridge as one reusable construct: a receiver Lambda behind a Function URL, a FIFO job queue
// and dead-letter queue, a worker Lambda with its delivery-state table, alarms, and least-privilege
// grants to exactly the secrets the config names. Each part is its own construct; this file only
// wires them together. BridgeStack (bridge-stack.ts) is this construct in a stack of its own.
import { Annotations, RemovalPolicy, Tags } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DELIVERY_STATE_TABLE_ENV } from '../lambda/adapters/aws/delivery-state-keys';
import type { BridgeConfig, BridgeConfigInput } from '../lambda/core/config/schema';
import { BridgeAlarms } from './bridge-alarms';
import { BridgeFunction } from './bridge-function';
import { metricsService } from './bridge-metrics';
import { addOutputs } from './bridge-outputs';
import { destinationSecretIds, signingSecretIds } from './config-secrets';
import { DEFAULT_ARCHIVE_DAYS, DeadLetterArchiveTable } from './dead-letter-archive-table';
import { DeliveryStateTable } from './delivery-state-table';
import { loadDeployConfig, prepareDeployConfig } from './deploy-config';
import type { LogLevel as BridgeLogLevel } from './deploy-context';
import {
  DEFAULT_RECEIVER_RESERVED_CONCURRENCY,
  LAMBDA_MIN_UNRESERVED_CONCURRENCY,
  RECEIVER_MEMORY_MB,
  RECEIVER_TIMEOUT,
  WORKER_BATCH_SIZE,
  WORKER_MEMORY_MB,
  workerMaxConcurrencyFor,
  workerTimeoutFor,
} from './function-sizing';
import { grantIamInvokes } from './iam-invoke-grants';
import { JobQueue, maxReceiveCountFor } from './job-queue';
import { addLiveMessageTable, type LiveMessageTable } from './live-message-table';
import { ReplayGuardTable } from './replay-guard-table';
import { grantSecretKeyDecrypt, grantSecretRead, secretArnsFor } from './secret-grants';

export interface TfeBridgeProps {
  /** The bridge config as a value (what the YAML file holds), validated at synth. `{ file }`
   *  templates are read relative to the current directory. Give this or `configFile`. */
  readonly config?: BridgeConfigInput | BridgeConfig;
  /** A config file (YAML or JSON), loaded and validated like `tfe-bridge validate` does. */
  readonly configFile?: string;
  /** An existing SNS topic to notify when alarms fire and clear; no topic is created then. Its
   *  policy (and key, if encrypted) must let cloudwatch.amazonaws.com publish. */
  readonly alarmTopic?: ITopic;
  /** Email address subscribed to a new alarm topic. Without it (and without `alarmTopic`) the
   *  alarms have no actions. */
  readonly alarmEmail?: string;
  /** Tags added to every resource of the bridge. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Prefix for physical names (functions, queues, tables, log groups). Default: generated names. */
  readonly namePrefix?: string;
  /** Create every named secret (random placeholder values) instead of referencing existing ones. */
  readonly createSecrets?: boolean;
  /**
   * Reserved concurrency for the receiver, which also caps it: a flood of requests cannot starve
   * the account's other functions. Default DEFAULT_RECEIVER_RESERVED_CONCURRENCY; 0 reserves none
   * (for accounts whose concurrency quota cannot spare it: Lambda keeps 100 unreserved).
   */
  readonly receiverReservedConcurrency?: number;
  /** Keep both queues (with their jobs and dead letters) when the stack is deleted or a queue is
   *  replaced. Default true. */
  readonly retainQueues?: boolean;
  /** Maximum concurrent worker invocations (the event source's maxConcurrency, 2-1000). */
  readonly workerMaxConcurrency?: number;
  /** Retention of both functions' log groups. Default one month. */
  readonly logRetention?: RetentionDays;
  /** The customer-managed KMS key the config's secrets are encrypted with: the functions that
   *  read secrets may decrypt with it, through Secrets Manager only. */
  readonly secretsKey?: IKey;
  /** Runs the worker in this VPC, to reach private destinations. The receiver stays outside: it
   *  only calls AWS APIs. The subnets need a route to SQS, DynamoDB and Secrets Manager (NAT or
   *  VPC endpoints) and to the destinations. */
  readonly vpc?: IVpc;
  /** The worker's subnets in `vpc`. Default: the VPC's private subnets. */
  readonly vpcSubnets?: SubnetSelection;
  /** Days the dead-letter archive keeps each letter; 0 leaves the archive out. Default 365. */
  readonly deadLetterArchiveDays?: number;
  /** POWERTOOLS_LOG_LEVEL of both functions (`debug` adds the receiver's line per request).
   *  Default: Powertools' own, INFO. */
  readonly logLevel?: BridgeLogLevel;
  /** esbuild's log level while bundling from source (tests silence it). */
  readonly bundlingLogLevel?: LogLevel;
}

export class TfeBridge extends Construct {
  /** The validated config the functions carry. */
  readonly config: BridgeConfig;
  readonly receiver: BridgeFunction;
  readonly worker: BridgeFunction;
  readonly functionUrl: FunctionUrl;
  readonly queue: JobQueue;
  readonly deadLetterQueue: Queue;
  readonly deliveryState: DeliveryStateTable;
  /** Only when the config enables `replayGuard`. */
  readonly replayGuard: ReplayGuardTable | undefined;
  /** Absent when `deadLetterArchiveDays` is 0. */
  readonly deadLetterArchive: DeadLetterArchiveTable | undefined;
  /** Only when some destination is `live`. */
  readonly liveMessages: LiveMessageTable | undefined;
  readonly alarms: Alarm[];
  /** The topic the alarms notify: `alarmTopic`, or the one created for `alarmEmail`. */
  readonly alarmTopic: ITopic | undefined;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TfeBridgeProps) {
    super(scope, id);
    const config = resolveConfig(props);
    this.config = config;
    const name = (suffix: string) => (props.namePrefix ? `${props.namePrefix}-${suffix}` : undefined);
    const workerTimeout = workerTimeoutFor(config);

    this.queue = new JobQueue(this, 'JobQueue', {
      queueName: name('jobs.fifo'),
      deadLetterQueueName: name('dead-letters.fifo'),
      workerTimeout,
      maxReceiveCount: maxReceiveCountFor(config),
      removalPolicy: props.retainQueues === false ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = this.queue.deadLetters;
    this.deliveryState = new DeliveryStateTable(this, 'DeliveryState', { tableName: name('delivery-state') });
    this.replayGuard = config.replayGuard
      ? new ReplayGuardTable(this, 'ReplayGuard', { tableName: name('replay-guard') })
      : undefined;

    const archiveDays = props.deadLetterArchiveDays ?? DEFAULT_ARCHIVE_DAYS;
    this.deadLetterArchive =
      archiveDays > 0
        ? new DeadLetterArchiveTable(this, 'DeadLetterArchive', {
            tableName: name('dead-letter-archive'),
            retentionDays: archiveDays,
          })
        : undefined;

    const reserved = props.receiverReservedConcurrency ?? DEFAULT_RECEIVER_RESERVED_CONCURRENCY;
    const common = {
      config,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      ...(props.bundlingLogLevel ? { bundlingLogLevel: props.bundlingLogLevel } : {}),
    };
    // The `service` dimension of the bridge's metrics, which the alarms watch.
    const service = {
      POWERTOOLS_SERVICE_NAME: metricsService(this),
      ...(props.logLevel ? { POWERTOOLS_LOG_LEVEL: props.logLevel.toUpperCase() } : {}),
    };
    this.receiver = new BridgeFunction(this, 'Receiver', {
      ...common,
      entry: 'receiver',
      functionName: name('receiver'),
      description: 'tfe-bridge receiver: verifies webhook signatures and enqueues delivery jobs',
      memorySize: RECEIVER_MEMORY_MB,
      timeout: RECEIVER_TIMEOUT,
      // No --enable-source-maps here: reading the 1 MB map cost 2-33% of a cold start's first
      // response in `npm run bench`, and the receiver's few errors are logged with a message.
      environment: {
        QUEUE_URL: this.queue.queueUrl,
        ...(this.replayGuard ? { REPLAY_GUARD_TABLE: this.replayGuard.table.tableName } : {}),
        ...service,
      },
      reservedConcurrentExecutions: reserved > 0 ? reserved : undefined,
    });
    if (reserved > 0) {
      // Synth cannot read the account's quota; say what the deploy needs before it fails there.
      Annotations.of(this.receiver).addInfo(
        `tfe-bridge: the receiver reserves ${reserved} concurrent executions. Lambda keeps ` +
          `${LAMBDA_MIN_UNRESERVED_CONCURRENCY} of the account's concurrency unreserved, so the deploy fails where the ` +
          `quota is below ${reserved + LAMBDA_MIN_UNRESERVED_CONCURRENCY} plus other reservations (new accounts may have 10: ` +
          'see `aws lambda get-account-settings`). There, pass -c tfe-bridge:receiverReservedConcurrency=none ' +
          '(the TfeBridge construct: receiverReservedConcurrency: 0).',
      );
    }
    // The HMAC signature on every request is the authentication; HashiCorp cannot sign SigV4.
    // No CORS: only servers call this URL, never browsers.
    this.functionUrl = this.receiver.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    this.worker = new BridgeFunction(this, 'Worker', {
      ...common,
      entry: 'worker',
      functionName: name('worker'),
      description: 'tfe-bridge worker: delivers queued jobs to their destinations',
      memorySize: WORKER_MEMORY_MB,
      timeout: workerTimeout,
      environment: {
        QUEUE_URL: this.queue.queueUrl,
        DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.queueUrl,
        [DELIVERY_STATE_TABLE_ENV]: this.deliveryState.table.tableName,
        ...this.deadLetterArchive?.workerEnvironment(),
        NODE_OPTIONS: '--enable-source-maps',
        ...service,
      },
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets: props.vpcSubnets } : {}),
    });
    // The event source grants receive, delete and ChangeMessageVisibility on the job queue.
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: WORKER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: workerMaxConcurrencyFor(config, props.workerMaxConcurrency),
      }),
    );

    this.queue.grantSendMessages(this.receiver);
    this.replayGuard?.grantReceiver(this.receiver);
    this.deadLetterQueue.grantSendMessages(this.worker);
    this.deliveryState.grantWorker(this.worker);
    this.deadLetterArchive?.grantWorker(this.worker);
    this.liveMessages = addLiveMessageTable(this, {
      config,
      worker: this.worker,
      tableName: name('live-messages'),
    });
    grantIamInvokes(this.worker, config);
    const secretArns = secretArnsFor(this, config, props.createSecrets === true);
    for (const [fn, secretIds] of [
      [this.receiver, signingSecretIds(config)],
      [this.worker, destinationSecretIds(config)],
    ] as const) {
      grantSecretRead(fn, secretIds.map(secretArns));
      if (props.secretsKey && secretIds.length > 0) grantSecretKeyDecrypt(fn, props.secretsKey);
    }

    // Id `Default`, which CDK leaves out of logical ids: the alarms and the topic keep the ids
    // they had when the stack made them itself, and a replaced topic would need its email
    // subscription confirmed again.
    const alarms = new BridgeAlarms(this, 'Default', {
      receiver: this.receiver,
      worker: this.worker,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      alarmEmail: props.alarmEmail,
      alarmTopic: props.alarmTopic,
    });
    this.alarms = alarms.alarms;
    this.alarmTopic = alarms.topic;
    this.dashboard = alarms.dashboard;

    addOutputs(this, {
      config,
      functionUrl: this.functionUrl,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      // A topic passed in is the caller's: its ARN is theirs to output.
      alarmTopic: props.alarmTopic ? undefined : this.alarmTopic,
      deadLetterArchive: this.deadLetterArchive,
    });
    for (const [key, value] of Object.entries(props.tags ?? {})) Tags.of(this).add(key, value);
  }
}

/** The validated, inlined config from exactly one of `config` and `configFile`. */
function resolveConfig(props: TfeBridgeProps): BridgeConfig {
  if ((props.config === undefined) === (props.configFile === undefined)) {
    throw new Error('TfeBridge: give exactly one of `config` and `configFile`');
  }
  return props.configFile === undefined
    ? prepareDeployConfig(props.config, process.cwd())
    : loadDeployConfig(props.configFile);
}
