// `${NAME}` and `${NAME:-default}` in config string values, replaced from the environment when
// the config is loaded (serve, validate, render; `cdk synth` for AWS), so one tracked config runs
// on other ports or hosts. Replaced in parsed values, never in the text, so a variable's value is
// always one string: it cannot add keys or YAML. Templates are left alone: `$` is JSONata's own.
import { ConfigError } from '../errors';
import { formatPath } from './parse';

export type Env = Readonly<Record<string, string | undefined>>;

/** A reference, an escaped `$${`, or any other `${` (a mistake, reported). */
const REFERENCE = /\$\$\{|\$\{(?:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\})?/g;

function replaceIn(text: string, env: Env, where: string, problems: string[]): string {
  return text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    if (name === undefined) {
      problems.push(
        `${where}: "\${" starts an environment variable: write \${NAME} or \${NAME:-default} (or $\${ for a literal \${)`,
      );
      return match;
    }
    const value = env[name];
    if (value !== undefined && (value !== '' || fallback === undefined)) return value;
    if (fallback !== undefined) return fallback;
    problems.push(
      `${where}: environment variable ${name} is not set (or give a default: \${${name}:-value})`,
    );
    return match;
  });
}

function replaceAll(value: unknown, path: PropertyKey[], env: Env, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.includes('${') ? replaceIn(value, env, formatPath(path), problems) : value;
  }
  if (Array.isArray(value)) return value.map((item, i) => replaceAll(item, [...path, i], env, problems));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, item]) => [
    key,
    key === 'template' ? item : replaceAll(item, [...path, key], env, problems),
  ]);
  return Object.fromEntries(entries);
}

/** The parsed config with every environment reference replaced; ConfigError lists each one that
 *  cannot be (unset without a default, malformed), with its path. */
export function replaceEnvReferences(input: unknown, env: Env): unknown {
  const problems: string[] = [];
  const replaced = replaceAll(input, [], env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return replaced;
}
