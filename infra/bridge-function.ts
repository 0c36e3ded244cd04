// One of the bridge's two Lambda functions (receiver, worker): Node 24 on arm64, its code a bundle
// with the config beside it (lambda-asset.ts), an execution role that has no managed policy, and a
// log group of its own with retention.
import { type Duration, Validations } from 'aws-cdk-lib';
import type { IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { lambdaCode } from './lambda-asset';
import type { LambdaEntry } from './lambda-bundling';
import { optional } from './optional-prop';

export interface BridgeFunctionProps {
  readonly entry: LambdaEntry;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** The validated config the function carries. */
  readonly config: BridgeConfig;
  /** esbuild's log level when bundling from source (tests silence it). */
  readonly bundlingLogLevel?: LogLevel;
  readonly logRetention: RetentionDays;
  /** Physical name; also names the log group `/aws/lambda/<name>`. Default: generated. */
  readonly functionName?: string | undefined;
  readonly reservedConcurrentExecutions?: number | undefined;
  readonly vpc?: IVpc;
  readonly vpcSubnets?: SubnetSelection | undefined;
}

export class BridgeFunction extends LambdaFunction {
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
      handler: 'index.handler',
      code: lambdaCode(scope, props.entry, props.config, props.bundlingLogLevel === LogLevel.SILENT),
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: props.environment,
      role,
      logGroup,
      ...optional('functionName', props.functionName),
      ...optional('reservedConcurrentExecutions', props.reservedConcurrentExecutions),
      ...optional('vpc', props.vpc),
      ...optional('vpcSubnets', props.vpcSubnets),
    });
    if (props.vpc) this.node.addDependency(allowNetworkInterfaces(scope, id, role));
  }
}

/**
 * What Lambda needs to attach a function to a VPC (the actions of AWSLambdaVPCAccessExecutionRole,
 * which CDK adds only to roles it creates), in a policy of its own so the acknowledgement below
 * covers nothing else. Lambda checks them at CreateFunction: the function depends on it.
 */
function allowNetworkInterfaces(scope: Construct, id: string, role: Role): Policy {
  const policy = new Policy(scope, `${id}VpcAccess`, {
    roles: [role],
    statements: [
      new PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    ],
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "Lambda creates the function's network interfaces in subnets it picks at run time; AWS's own " +
      'AWSLambdaVPCAccessExecutionRole grants these actions on every resource too.',
  });
  return policy;
}
