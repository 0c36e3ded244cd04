// Loading a bridge config from disk: parse + validate, then compile every template, reading
// `{ file }` templates relative to the config file, to run JSONata ones in a sandbox process.
// Any problem is a ConfigError with paths.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { BridgeConfig } from '../../core/config/schema';
import { parseConfigText } from '../../core/config/text';
import { ConfigError } from '../../core/errors';
import { compileTemplates, type Renderer } from '../../core/render/templates';
import { ProcessTemplateSandbox } from '../template-sandbox/process-sandbox';
import { describeFileError } from './file-error';

export interface LoadedConfig {
  path: string;
  config: BridgeConfig;
  renderers: Map<string, Renderer>;
  /** Where the renderers run JSONata templates. It starts a process at the first such render and
   *  never keeps this one alive; close() stops it sooner. */
  sandbox?: ProcessTemplateSandbox;
}

/** A `{ file }` template's text. The error has no `code`: the template compiler prefixes one. */
function readTemplateFile(path: string, asWritten: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const where = path === asWritten ? path : `${asWritten} (${path})`;
    throw new Error(`cannot read ${where}: ${describeFileError(error)}`);
  }
}

/** `env` fills the config's `${NAME}` references (the process's environment by default). */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`${path}: cannot read config file: ${describeFileError(error)}`]);
  }
  const config = parseConfigText(text, path, env);
  const baseDir = dirname(resolve(path));
  const sandbox = new ProcessTemplateSandbox();
  const renderers = compileTemplates(config, {
    readFile: (file) => readTemplateFile(resolve(baseDir, file), file),
    sandbox,
  });
  return { path, config, renderers, sandbox };
}
