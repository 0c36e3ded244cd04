// One of the bridge's two Lambda functions (receiver, worker): Node 24 on arm64, bundled locally,
// with an execution role that has no managed policy and a log group of its own with retention.
import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { entryPath, LOCK_FILE, PROJECT_ROOT } from './lambda-bundling';
import { optional } from './optional-prop';

export interface BridgeFunctionProps {
  readonly entry: 'receiver' | 'worker';
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly bundling: BundlingOptions;
  readonly logRetention: RetentionDays;
  /** Physical name; also names the log group `/aws/lambda/<name>`. Default: generated. */
  readonly functionName?: string | undefined;
  readonly reservedConcurrentExecutions?: number | undefined;
}

export class BridgeFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: BridgeFunctionProps) {
    // The role and the log group are the function's siblings (`<id>Role`, `<id>Logs`), where the
    // stack created them before this construct existed: their logical ids stay, so an update
    // replaces neither (a named log group cannot be created while the old one is retained).
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `tfe-bridge ${id.toLowerCase()} execution role`,
    });
    // No AWSLambdaBasicExecutionRole: it allows writing to every log group. Only to its own.
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      ...optional('logGroupName', props.functionName && `/aws/lambda/${props.functionName}`),
      retention: props.logRetention,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: LOCK_FILE,
      entry: entryPath(props.entry),
      bundling: props.bundling,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: props.environment,
      role,
      logGroup,
      ...optional('functionName', props.functionName),
      ...optional('reservedConcurrentExecutions', props.reservedConcurrentExecutions),
    });
  }
}
