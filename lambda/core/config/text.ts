// Reading config text: YAML (a superset of JSON) parsed, environment references replaced, then
// validated. Kept apart from config.ts so the Lambda bundles, which get the config as JSON (its
// references replaced at synth), do not carry a YAML parser.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors';
import { type Env, replaceEnvReferences } from './env-references';
import { parseConfig } from './parse';
import type { BridgeConfig } from './schema';

/**
 * `bridge.yaml:4:1: Map keys must be unique` and the lines around it, with a caret under the spot
 * (yaml's own frame, lines cut at 80 characters), indented to sit under the problem line.
 */
function describeYamlError(error: unknown, source: string): string {
  if (!(error instanceof YAMLParseError)) return `${source}: not valid YAML/JSON: ${String(error)}`;
  const [start] = error.linePos ?? [];
  const [head = '', frame = ''] = error.message.split(/:\n\n/, 2);
  const what = head.replace(/ at line \d+, column \d+$/, '');
  const framed = frame
    .replace(/\n+$/, '')
    .split('\n')
    .map((line) => (line === '' ? '\n' : `\n    ${line}`))
    .join('');
  return `${source}${start ? `:${start.line}:${start.col}` : ''}: not valid YAML/JSON: ${what}${framed}`;
}

/** `env` fills `${NAME}` references in string values: one that is unset and has no default is an error. */
export function parseConfigText(text: string, source = 'config', env: Env = {}): BridgeConfig {
  let input: unknown;
  try {
    input = parseYaml(text);
  } catch (error) {
    throw new ConfigError([describeYamlError(error, source)]);
  }
  if (input === null || input === undefined) {
    throw new ConfigError([
      `${source}: config is empty (nothing but comments or blank lines): it needs at least routes (see tfe-bridge init)`,
    ]);
  }
  return parseConfig(replaceEnvReferences(input, env));
}
