// Loading a bridge config from disk: parse + validate, then compile every template, reading
// `{ file }` templates relative to the config file. Any problem is a ConfigError with paths.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BridgeConfig } from '../../core/config';
import { parseConfigText } from '../../core/config-text';
import { ConfigError } from '../../core/errors';
import { compileTemplates, type Renderer } from '../../core/templates';

export interface LoadedConfig {
  path: string;
  config: BridgeConfig;
  renderers: Map<string, Renderer>;
}

export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${path}: cannot read config file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    ]);
  }
  const config = parseConfigText(text, path);
  const baseDir = dirname(resolve(path));
  const renderers = compileTemplates(config, {
    readFile: (file) => readFileSync(resolve(baseDir, file), 'utf8'),
  });
  return { path, config, renderers };
}
