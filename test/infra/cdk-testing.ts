// Helpers for the infra tests: build the app as `cdk synth` would (cdk.json's context, local
// bundling), and read IAM statements and ARNs out of a synthesized template.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BridgeAppOptions, createBridgeApp } from '../../infra/bridge-app';

const ROOT = join(import.meta.dirname, '..', '..');

/** cdk.json's context (feature flags, default config path), so tests synthesize what the CLI does. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context;
}

export const EXAMPLE_CONFIG = join(ROOT, 'examples', 'bridge.config.yaml');

const tempDirs: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tfe-bridge-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Removes every directory tempDir() made (bundles are megabytes each); call in afterAll. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes a config (YAML/JSON text) into a fresh directory and returns its path. */
export function writeConfig(text: string, extraFiles: Record<string, string> = {}): string {
  const dir = tempDir('config');
  for (const [name, content] of Object.entries(extraFiles)) writeFileSync(join(dir, name), content);
  const path = join(dir, 'bridge.config.yaml');
  writeFileSync(path, text);
  return path;
}

export interface BuildOptions {
  configPath?: string;
  context?: Record<string, unknown>;
  /** Run esbuild for real (slow); otherwise bundling is skipped and the code is a placeholder. */
  bundle?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** The app exactly as infra/app.ts builds it, synthesizing into a temporary directory. Bundling
 *  runs while the stack is constructed, so this is the slow part when `bundle` is set. */
export function buildApp(options: BuildOptions = {}) {
  const outdir = tempDir('cdk-out');
  const appOptions: BridgeAppOptions = {
    outdir,
    env: options.env ?? {},
    bundlingLogLevel: LogLevel.SILENT,
    context: {
      ...cdkJsonContext(),
      'tfe-bridge:config': options.configPath ?? EXAMPLE_CONFIG,
      // Most tests synthesize the example config (plain http to 127.0.0.1), which a deploy refuses
      // unless confirmed; test/infra/deploy-context.test.ts covers the refusals.
      'tfe-bridge:allowExampleConfig': true,
      'tfe-bridge:allowInsecureHttp': true,
      // Validation failures throw with the report instead of printing it to the console.
      '@aws-cdk/core:appMode': 'inmemory',
      // Like the CLI: record each function's asset directory in its metadata.
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  };
  return { outdir, ...withoutBundlingProgress(() => createBridgeApp(appOptions)) };
}

type Json = Record<string, unknown>;

/** Renders an intrinsic (Fn::Join, Ref, Fn::GetAtt) as text: `${AWS::Region}`, `${Queue.Arn}`. */
export function intrinsicText(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Json;
  if ('Ref' in object) return `\${${object.Ref}}`;
  if ('Fn::GetAtt' in object) return `\${${(object['Fn::GetAtt'] as string[]).join('.')}}`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(intrinsicText).join(separator);
  }
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
export const actionsOf = (statement: Statement): string[] => list(statement.Action);
export const resourcesOf = (statement: Statement): string[] => list(statement.Resource).map(intrinsicText);

/** Every statement of the IAM policies attached to the role whose logical id starts with `role`. */
export function roleStatements(template: Template, role: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Json[];
  return policies
    .filter((policy) =>
      ((policy.Properties as Json).Roles as Json[]).some((ref) => String(ref.Ref).startsWith(role)),
    )
    .flatMap((policy) => ((policy.Properties as Json).PolicyDocument as Json).Statement as Statement[]);
}

/** Resources the role may call `action` on. */
export function resourcesFor(template: Template, role: string, action: string): string[] {
  return roleStatements(template, role)
    .filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action))
    .flatMap(resourcesOf)
    .sort();
}

export const secretArn = (secretId: string): string =>
  `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${secretId}-??????`;

/** The single resource of a type; fails when there are none or several. */
export function onlyResource(template: Template, type: string, props: Json = {}): [string, Json] {
  const found = Object.entries(
    template.findResources(type, Object.keys(props).length > 0 ? { Properties: props } : undefined),
  );
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Json];
}

/**
 * Runs `fn` with CDK's "Bundling asset ..." progress lines (written straight to stderr, not the
 * console) held back; anything else written to stderr still goes through.
 */
export function withoutBundlingProgress<T>(fn: () => T): T {
  const write = process.stderr.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('Bundling asset ')
      ? true
      : (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest)) as typeof write;
  try {
    return fn();
  } finally {
    process.stderr.write = write;
  }
}

/** Enough of a Lambda context for the entries' logger. */
const LAMBDA_CONTEXT = {
  functionName: 'tfe-bridge-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:tfe-bridge-test',
  memoryLimitInMB: '256',
  awsRequestId: '00000000-0000-4000-8000-000000000000',
};

// Runs in a child Node: import the bundle as Lambda would and call its handler once.
const INVOKE_SCRIPT = `
const [file, event, context] = process.argv.slice(1);
const { handler } = await import(file);
const result = await handler(JSON.parse(event), { ...JSON.parse(context), getRemainingTimeInMillis: () => 10000 });
process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
`;

// Runs in a child Node: compile templates with the bundled worker's wiring (its template sandbox)
// and render each input, answering the text or the error's name and message.
const RENDER_SCRIPT = `
const [file, renders] = process.argv.slice(1);
const { compileWorkerTemplates } = await import(file);
const results = [];
for (const { config, key, input } of JSON.parse(renders)) {
  const render = compileWorkerTemplates(config).get(key);
  results.push(await render(input).then((text) => ({ text }), (error) => ({ error: error.name + ': ' + error.message })));
}
process.stdout.write('\\nRESULT ' + JSON.stringify(results) + '\\n');
`;

/** Runs `script` (an ES module) in a separate Node process and returns its `RESULT` line's JSON. */
function runScript(script: string, args: string[], env: Record<string, string>): unknown {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    // No credentials and no network: these invocations must not need AWS.
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', ...env },
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (result.status !== 0 || !line) {
    throw new Error(`bundle invocation failed (${result.status}):\n${result.stderr.slice(0, 2000)}`);
  }
  return JSON.parse(line.slice('RESULT '.length));
}

/**
 * Invokes a bundled entry (`index.mjs`) in a separate Node process with the environment the
 * stack gives it, and returns the handler's result. Its logs stay in the child's captured output.
 */
export function invokeBundle(file: string, event: unknown, env: Record<string, string>): unknown {
  return runScript(INVOKE_SCRIPT, [file, JSON.stringify(event), JSON.stringify(LAMBDA_CONTEXT)], env);
}

export interface BundleRender {
  config: unknown;
  /** `route/destination` */
  key: string;
  input: unknown;
}

/** Renders through the bundled worker's `compileWorkerTemplates`: `{ text }` or `{ error }` each. */
export function renderWithBundle(
  file: string,
  renders: BundleRender[],
): Array<{ text?: string; error?: string }> {
  return runScript(RENDER_SCRIPT, [file, JSON.stringify(renders)], {}) as Array<{
    text?: string;
    error?: string;
  }>;
}
