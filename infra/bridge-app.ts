// Builds the CDK app from context and environment: load and validate the config, create the
// stack, and run the cdk-nag AwsSolutions checks on it at synth.
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import type { LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BridgeStack } from './bridge-stack';
import { CONFIG_CONTEXT_KEY, loadDeployConfig, resolveConfigPath } from './deploy-config';

export const DEFAULT_STACK_NAME = 'TfeBridge';

export interface BridgeAppOptions extends AppProps {
  env?: NodeJS.ProcessEnv;
  bundlingLogLevel?: LogLevel;
}

export function createBridgeApp(options: BridgeAppOptions = {}): { app: App; stack: BridgeStack } {
  const { env = process.env, bundlingLogLevel, ...appProps } = options;
  const app = new App(appProps);
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(`tfe-bridge:${key}`);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const config = loadDeployConfig(resolveConfigPath(app.node.tryGetContext(CONFIG_CONTEXT_KEY), env));
  const alarmEmail = context('alarmEmail') ?? env.TFE_BRIDGE_ALARM_EMAIL;
  const namePrefix = context('namePrefix');
  const reserved = context('receiverReservedConcurrency');
  const maxConcurrency = context('workerMaxConcurrency');
  const stack = new BridgeStack(app, context('stackName') ?? DEFAULT_STACK_NAME, {
    config,
    description: 'tfe-bridge: verified HCP Terraform / TFE / HCP webhooks, delivered with retries',
    createSecrets: context('createSecrets') === 'true',
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(namePrefix ? { namePrefix } : {}),
    ...(reserved ? { receiverReservedConcurrency: integer(reserved, 'receiverReservedConcurrency') } : {}),
    ...(maxConcurrency ? { workerMaxConcurrency: integer(maxConcurrency, 'workerMaxConcurrency') } : {}),
    ...(bundlingLogLevel ? { bundlingLogLevel } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

function integer(value: string, key: string): number {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new Error(`-c tfe-bridge:${key} must be an integer, got "${value}"`);
  return number;
}
