// How both functions are bundled: local esbuild only (never Docker, so synth works offline), ESM
// for Node 24, and the validated config baked into the code, since a large config would not fit
// in Lambda's 4 KB of environment variables. jsonata's source is baked in too, as text, for the
// template sandbox process (the bundle has no node_modules to read it from).
import { join, resolve } from 'node:path';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  JSONATA_SOURCE_DEFINE_KEY,
  readInstalledJsonataSource,
} from '../lambda/adapters/template-sandbox/jsonata-source';
import type { BridgeConfig } from '../lambda/core/config/schema';

/** The repository root: the entries, package-lock.json and tsconfig.json live there. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');
export const LOCK_FILE = join(PROJECT_ROOT, 'package-lock.json');
export const entryPath = (name: 'receiver' | 'worker'): string => join(PROJECT_ROOT, 'lambda', `${name}.ts`);

/**
 * Left to the Lambda runtime's copy of the AWS SDK v3 rather than bundled, per entry: the receiver
 * reaches the DynamoDB client only through a dynamic import() when the replay guard is on, so it
 * stays out of the receiver's bundle (and its cold start). The worker needs it on every delivery
 * (its delivery state), so the worker bundles our pinned, tested copy and runs with no node_modules.
 */
export const RUNTIME_MODULES = {
  receiver: ['@aws-sdk/client-dynamodb'],
  worker: [],
} as const satisfies Record<'receiver' | 'worker', readonly string[]>;

/** The expression esbuild replaces with the config JSON; the entries read exactly this. */
export const CONFIG_DEFINE_KEY = 'process.env.TFE_BRIDGE_CONFIG_JSON';

/** esbuild gets the define as one command-line argument, and Linux caps one argument at 128 KiB. */
export const MAX_CONFIG_DEFINE_BYTES = 120 * 1024;

// Bundled CommonJS dependencies call `require` for Node built-ins, which an ES module lacks.
const REQUIRE_SHIM =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** The `define` value: a JavaScript string literal holding the config JSON. */
export function configDefineValue(config: BridgeConfig): string {
  const value = JSON.stringify(JSON.stringify(config));
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_CONFIG_DEFINE_BYTES) {
    throw new Error(
      `the bridge config is too large to bundle (${bytes} bytes as JSON, limit ${MAX_CONFIG_DEFINE_BYTES}): ` +
        'move long templates into fewer, shorter expressions',
    );
  }
  return value;
}

/** The `define` value: a JavaScript string literal holding jsonata's standalone source. */
export function jsonataDefineValue(): string {
  const value = JSON.stringify(readInstalledJsonataSource());
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_CONFIG_DEFINE_BYTES) {
    throw new Error(`jsonata's source is too large to bundle as a define (${bytes} bytes)`);
  }
  return value;
}

export function bundlingOptions(
  config: BridgeConfig,
  entry: 'receiver' | 'worker',
  logLevel: LogLevel = LogLevel.WARNING,
): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    banner: REQUIRE_SHIM,
    // Prefer the ES module builds of dependencies: better tree shaking, fewer require shims.
    mainFields: ['module', 'main'],
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    // Bundle our pinned AWS SDK rather than the runtime's copy: the code is tested against it.
    bundleAwsSDK: true,
    // Except what RUNTIME_MODULES leaves to the nodejs24.x runtime's copy.
    externalModules: [...RUNTIME_MODULES[entry]],
    define: {
      [CONFIG_DEFINE_KEY]: configDefineValue(config),
      [JSONATA_SOURCE_DEFINE_KEY]: jsonataDefineValue(),
    },
    logLevel,
  };
}
