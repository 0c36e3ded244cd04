// Reading config text: YAML (a superset of JSON) parsed, then validated. Kept apart from
// config.ts so the Lambda bundles, which get the config as JSON, do not carry a YAML parser.
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors';
import { parseConfig } from './parse';
import type { BridgeConfig } from './schema';

export function parseConfigText(text: string, source = 'config'): BridgeConfig {
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (error) {
    throw new ConfigError([`${source}: not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`]);
  }
  return parseConfig(input);
}
