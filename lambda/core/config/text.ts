// Reading config text: YAML (a superset of JSON) parsed, environment references replaced, then
// validated. Kept apart from config.ts so the Lambda bundles, which get the config as JSON (its
// references replaced at synth), do not carry a YAML parser.
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors';
import { type Env, replaceEnvReferences } from './env-references';
import { parseConfig } from './parse';
import type { BridgeConfig } from './schema';

/** `env` fills `${NAME}` references in string values: one that is unset and has no default is an error. */
export function parseConfigText(text: string, source = 'config', env: Env = {}): BridgeConfig {
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${source}: not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(replaceEnvReferences(input, env));
}
