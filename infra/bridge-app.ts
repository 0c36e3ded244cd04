// Builds the CDK app from context and environment: read and check the `tfe-bridge:*` context, load
// and validate the config, refuse an unsafe deploy, create the stack, and run the cdk-nag
// AwsSolutions checks on it at synth.
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import type { LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BridgeStack } from './bridge-stack';
import { loadDeployConfig, resolveConfigPath } from './deploy-config';
import { ContextError, deploySafetyProblems, readDeployContext } from './deploy-context';
import { optional } from './optional-prop';

export const DEFAULT_STACK_NAME = 'TfeBridge';

export interface BridgeAppOptions extends AppProps {
  env?: NodeJS.ProcessEnv;
  bundlingLogLevel?: LogLevel;
}

export function createBridgeApp(options: BridgeAppOptions = {}): { app: App; stack: BridgeStack } {
  const { env = process.env, bundlingLogLevel, ...appProps } = options;
  const app = new App(appProps);
  const context = readDeployContext(app.node.getAllContext());
  const configPath = resolveConfigPath(context.config, env);
  const config = loadDeployConfig(configPath);
  const unsafe = deploySafetyProblems(configPath, config, context);
  if (unsafe.length > 0) throw new ContextError(unsafe, 'refusing to synthesize this deploy');
  const stack = new BridgeStack(app, context.stackName ?? DEFAULT_STACK_NAME, {
    config,
    description: 'tfe-bridge: verified HCP Terraform / TFE / HCP webhooks, delivered with retries',
    createSecrets: context.createSecrets === true,
    ...optional('alarmEmail', context.alarmEmail ?? env.TFE_BRIDGE_ALARM_EMAIL),
    ...optional('namePrefix', context.namePrefix),
    ...(context.receiverReservedConcurrency === undefined
      ? {}
      : { receiverReservedConcurrency: context.receiverReservedConcurrency }),
    ...optional('workerMaxConcurrency', context.workerMaxConcurrency),
    ...(context.deadLetterArchiveDays === undefined
      ? {}
      : { deadLetterArchiveDays: context.deadLetterArchiveDays }),
    ...optional('logLevel', context.logLevel),
    ...(context.retainQueues === undefined ? {} : { retainQueues: context.retainQueues }),
    ...(bundlingLogLevel ? { bundlingLogLevel } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
