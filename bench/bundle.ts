// Bundles a Lambda entry the way the build and synth do for this project (the options come from
// infra/lambda-bundling.ts), with config.json beside it, keeping esbuild's metafile to explain the size.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import { esbuildOptions } from '../infra/lambda-bundling';
import { BAKED_CONFIG_FILE } from '../lambda/adapters/aws/env';
import { bakeConfig } from '../lambda/core/config/baked';
import type { BridgeConfig } from '../lambda/core/config/schema';

export { LAMBDA_TARGET } from '../infra/lambda-bundling';

export interface Bundle {
  path: string;
  bytes: number;
  gzipBytes: number;
  metafile: Metafile;
}

export interface BundleRequest {
  entry: string;
  outDir: string;
  name: string;
  config: BridgeConfig;
  /** Which function's bundling options to use (the same for both today: nothing is left to the runtime). */
  bundledAs?: 'receiver' | 'worker';
  /**
   * Packages replaced by a module of the given source: measures what taking a package off the
   * import path would give, when the handler never calls it (e.g. YAML parsing on Lambda).
   */
  stubs?: Readonly<Record<string, string>>;
  /** Leave `@aws-sdk/*` out, as if the runtime provided it. */
  externalAwsSdk?: boolean;
}

function stubPlugin(stubs: Readonly<Record<string, string>>): Plugin {
  const names = Object.keys(stubs);
  const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'bench-stubs',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'bench-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'bench-stub' }, (args) => ({
        contents: stubs[args.path] ?? '',
        loader: 'js',
      }));
    },
  };
}

export async function bundleLikeCdk(request: BundleRequest): Promise<Bundle> {
  const { entry, outDir, name, config, stubs } = request;
  const path = join(outDir, `${name}.mjs`);
  const result = await build({
    ...esbuildOptions(request.bundledAs ?? 'receiver', outDir),
    entryPoints: [entry],
    outfile: path,
    ...(request.externalAwsSdk ? { external: ['@aws-sdk/*'] } : {}),
    metafile: true,
    ...(stubs ? { plugins: [stubPlugin(stubs)] } : {}),
  });
  // Beside the bundle, as synth stages it (every bundle in `outDir` gets the same config).
  writeFileSync(join(outDir, BAKED_CONFIG_FILE), bakeConfig(config));
  return {
    path,
    bytes: statSync(path).size,
    gzipBytes: gzipSync(readFileSync(path)).length,
    metafile: result.metafile,
  };
}

export interface Contributor {
  name: string;
  bytes: number;
}

/** Output bytes per npm package (or `lambda/…` for our own code), largest first. */
export function largestContributors(bundle: Bundle, top = 8): Contributor[] {
  const output = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, top);
}

/** Every package (and first-party folder) with code in the bundle. */
export function packagesIn(bundle: Bundle): Set<string> {
  return new Set(largestContributors(bundle, Number.POSITIVE_INFINITY).map((c) => c.name));
}

function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at === -1) return input.split('/').slice(0, 2).join('/');
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
}

/**
 * The shortest chain of imports from the entry to the first file of `pkg`, one step per file or
 * package (`lambda/app.ts → lambda/core/receive/jobs.ts → jsonata`): the import to cut or make lazy to
 * drop the package. A step reached by a dynamic `import()` is marked `(lazy)`: bundled, but only
 * evaluated when that code runs.
 */
export function importChain(bundle: Bundle, pkg: string): string[] | undefined {
  const inputs = bundle.metafile.inputs;
  const entry = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint)?.entryPoint;
  if (!entry) return undefined;
  const previous = new Map<string, { from: string; lazy: boolean } | null>([[entry, null]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (packageOf(file) !== pkg) {
      for (const { path, kind } of inputs[file]?.imports ?? []) {
        if (!previous.has(path) && inputs[path]) {
          previous.set(path, { from: file, lazy: kind === 'dynamic-import' });
          queue.push(path);
        }
      }
      continue;
    }
    const path: { name: string; lazy: boolean }[] = [];
    for (let at: string | undefined = file; at !== undefined; at = previous.get(at)?.from) {
      path.unshift({
        name: at.includes('node_modules/') ? packageOf(at) : at,
        lazy: !!previous.get(at)?.lazy,
      });
    }
    // Files inside one package collapse into one step, lazy if the package was entered lazily.
    const steps = path
      .filter((step, i) => step.name !== path[i - 1]?.name)
      .map((step) => (step.lazy ? `${step.name} (lazy)` : step.name));
    return steps;
  }
  return undefined;
}
