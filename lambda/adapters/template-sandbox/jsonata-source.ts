// jsonata's own source text, which the sandbox process runs: from node_modules when the code runs
// from source or a build next to node_modules, or inlined by esbuild in the Lambda bundle (which
// has no node_modules), so the sandbox never resolves a module at run time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The global esbuild replaces with jsonata's source in the Lambda bundle (infra/lambda-bundling.ts). */
export const JSONATA_SOURCE_DEFINE_KEY = 'TFE_BRIDGE_JSONATA_SOURCE';

declare const TFE_BRIDGE_JSONATA_SOURCE: string | undefined;

/** The standalone (UMD) build: one file, no imports, assigns `module.exports`. */
export function readInstalledJsonataSource(): string {
  return readFileSync(createRequire(import.meta.url).resolve('jsonata/jsonata.min.js'), 'utf8');
}

export function jsonataSource(): string {
  return typeof TFE_BRIDGE_JSONATA_SOURCE === 'string'
    ? TFE_BRIDGE_JSONATA_SOURCE
    : readInstalledJsonataSource();
}
