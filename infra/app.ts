// CDK entry point (cdk.json runs it with tsx): an invalid config or context fails synth with one
// line per problem and no stack trace.
import { ConfigError } from '../lambda/core/errors';
import { createBridgeApp } from './bridge-app';
import { ContextError } from './deploy-context';

try {
  createBridgeApp().app.synth();
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof ContextError)) throw error;
  process.stderr.write(`tfe-bridge: ${error.message}\n`);
  process.exitCode = 1;
}
