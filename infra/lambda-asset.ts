// The code of one function as deployed: its bundle (prebuilt in the package, or built now when the
// infra runs from source) with config.json, the validated config, beside it. Staged in the cloud
// assembly, then an ordinary asset: its hash is its content, so a config change is a code change.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { BAKED_CONFIG_FILE } from '../lambda/adapters/aws/env';
import { bakeConfig } from '../lambda/core/config/baked';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { buildLambdaBundle, type LambdaEntry } from './lambda-bundling';

/** Where `npm run build` puts the bundles: dist/lambda/<entry>/ beside dist/cdk.js. From source
 *  (infra/), this folder does not exist and the bundles are built at synth. */
export const PREBUILT_DIR = join(import.meta.dirname, 'lambda');

/** The prebuilt bundle's folder, if this code runs from the built package. */
export function prebuiltBundleDir(entry: LambdaEntry, prebuiltDir = PREBUILT_DIR): string | undefined {
  const dir = join(prebuiltDir, entry);
  return existsSync(join(dir, 'index.mjs')) ? dir : undefined;
}

export interface StageOptions {
  /** Run esbuild when there is no prebuilt bundle; false leaves config.json alone (a synth that
   *  skips bundling, like `cdk synth --exclusively` of another stack or most tests). */
  readonly build: boolean;
  readonly prebuiltDir?: string;
  readonly logLevel?: 'silent' | 'warning';
}

/** Fills `dir` (emptied first) with the function's code and its config.json. */
export function stageLambdaCode(
  dir: string,
  entry: LambdaEntry,
  config: BridgeConfig,
  options: StageOptions,
): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const prebuilt = prebuiltBundleDir(entry, options.prebuiltDir);
  if (prebuilt) cpSync(prebuilt, dir, { recursive: true });
  else if (options.build) buildLambdaBundle(entry, dir, options.logLevel);
  writeFileSync(join(dir, BAKED_CONFIG_FILE), bakeConfig(config));
}

/** The function's Code: staged under the cloud assembly directory, one folder per construct. */
export function lambdaCode(
  scope: Construct,
  entry: LambdaEntry,
  config: BridgeConfig,
  silent: boolean,
): Code {
  const outdir = Stage.of(scope)?.outdir;
  if (!outdir) throw new Error('TfeBridge must be created inside a CDK App (it stages code in its outdir)');
  const dir = join(outdir, `tfe-bridge-code-${scope.node.addr}-${entry}`);
  stageLambdaCode(dir, entry, config, {
    build: Stack.of(scope).bundlingRequired,
    ...(silent ? { logLevel: 'silent' as const } : {}),
  });
  return Code.fromAsset(dir);
}
