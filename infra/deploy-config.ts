// The config as it is deployed: loaded and validated exactly as `tfe-bridge validate` does, with
// `{ file }` templates inlined as `{ jsonata }` so the bundled Lambdas need no file access.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfigFile } from '../lambda/adapters/local/config-file';
import { parseConfig } from '../lambda/core/config/parse';
import type { BridgeConfig } from '../lambda/core/config/schema';
import { compileTemplates } from '../lambda/core/render/templates';

/** Context key (cdk.json or `-c`) naming the config file. */
export const CONFIG_CONTEXT_KEY = 'tfe-bridge:config';

/**
 * The config file to deploy. The environment variable wins over context because cdk.json always
 * sets a context default (the example config), which would otherwise hide it.
 */
export function resolveConfigPath(contextValue: unknown, env: NodeJS.ProcessEnv): string {
  const path = env.TFE_BRIDGE_CONFIG || (typeof contextValue === 'string' ? contextValue : undefined);
  if (!path) {
    throw new Error(`no bridge config: pass -c ${CONFIG_CONTEXT_KEY}=FILE or set TFE_BRIDGE_CONFIG`);
  }
  return path;
}

/** Replaces every `{ file }` template with `{ jsonata }` holding the file's text. */
export function inlineTemplateFiles(config: BridgeConfig, readFile: (file: string) => string): BridgeConfig {
  return {
    ...config,
    routes: config.routes.map((route) => ({
      ...route,
      destinations: route.destinations.map((destination) =>
        destination.template.file === undefined
          ? destination
          : { ...destination, template: { jsonata: readFile(destination.template.file) } },
      ),
    })),
  };
}

/**
 * Loads, validates and inlines a config file for deployment. Throws ConfigError (one line per
 * bad field, with its path) when the config is invalid, so `cdk synth` fails before bundling.
 */
export function loadDeployConfig(path: string): BridgeConfig {
  const { config } = loadConfigFile(path);
  return prepareDeployConfig(config, dirname(resolve(path)));
}

/**
 * Validates a config given as a value (the TfeBridge construct's `config` prop, or a loaded file)
 * and inlines its `{ file }` templates, read relative to `baseDir`. Throws ConfigError like
 * loadDeployConfig.
 */
export function prepareDeployConfig(raw: unknown, baseDir: string): BridgeConfig {
  const config = parseConfig(raw);
  const inlined = inlineTemplateFiles(config, (file) => readFileSync(resolve(baseDir, file), 'utf8'));
  // Parse and compile the inlined form the way the Lambdas will (no file access), so what is
  // deployed is proven to load, not only the file on disk.
  const deployed = parseConfig(JSON.parse(JSON.stringify(inlined)));
  compileTemplates(deployed);
  return deployed;
}
