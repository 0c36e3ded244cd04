// How both functions are bundled, by `npm run build` into dist/lambda/ for the package, and at synth
// when the infra runs from source: local esbuild only (never Docker, so synth works offline), ESM
// for Node 24 on arm64. The bundles hold no config: synth writes it beside them (lambda-asset.ts),
// so one prebuilt bundle serves every config. jsonata's source is baked in as text, for the
// template sandbox process (the bundle has no node_modules to read it from).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';
import {
  JSONATA_SOURCE_DEFINE_KEY,
  readInstalledJsonataSource,
} from '../lambda/adapters/template-sandbox/jsonata-source';

export type LambdaEntry = 'receiver' | 'worker';
export const LAMBDA_ENTRIES: readonly LambdaEntry[] = ['receiver', 'worker'];

/** The repository root, when this code runs from source: the entries live there. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');
export const entryPath = (name: LambdaEntry): string => join(PROJECT_ROOT, 'lambda', `${name}.ts`);

/** What CDK derived from the nodejs24.x runtime when NodejsFunction bundled these. */
export const LAMBDA_TARGET = 'node24';

/** esbuild gets jsonata's source as a define; keep it well below what esbuild handles easily. */
export const MAX_DEFINE_BYTES = 120 * 1024;

// Bundled CommonJS dependencies call `require` for Node built-ins, which an ES module lacks.
const REQUIRE_SHIM =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** The `define` value: a JavaScript string literal holding jsonata's standalone source. */
export function jsonataDefineValue(): string {
  const value = JSON.stringify(readInstalledJsonataSource());
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_DEFINE_BYTES) {
    throw new Error(`jsonata's source is too large to bundle as a define (${bytes} bytes)`);
  }
  return value;
}

/** esbuild's options for one entry, writing `<outdir>/index.mjs` and its source map. */
export function esbuildOptions(entry: LambdaEntry, outdir: string): BuildOptions {
  return {
    entryPoints: [entryPath(entry)],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: LAMBDA_TARGET,
    format: 'esm',
    banner: { js: REQUIRE_SHIM },
    // Prefer the ES module builds of dependencies: better tree shaking, fewer require shims.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    // Nothing is left to the runtime (the functions run with no node_modules): neither uses the
    // AWS SDK, whose calls go through adapters/aws/aws-json-client.ts (a test keeps it out).
    define: { [JSONATA_SOURCE_DEFINE_KEY]: jsonataDefineValue() },
    logLevel: 'warning',
  };
}

/**
 * Bundles one entry into `outdir` (synchronously: constructs are built synchronously). esbuild is
 * loaded only here, so the installed package, which ships prebuilt bundles, never needs it.
 */
export function buildLambdaBundle(
  entry: LambdaEntry,
  outdir: string,
  logLevel?: BuildOptions['logLevel'],
): void {
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ ...esbuildOptions(entry, outdir), ...(logLevel ? { logLevel } : {}) });
}
