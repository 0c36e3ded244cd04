// CDK entry point (cdk.json runs it with tsx): an invalid config fails synth with its field paths.
import { ConfigError } from '../lambda/core/errors';
import { createBridgeApp } from './bridge-app';

try {
  createBridgeApp().app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`tfe-bridge: ${error.message}\n`);
  process.exitCode = 1;
}
