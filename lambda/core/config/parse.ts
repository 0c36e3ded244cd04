// Validating a parsed config: zod's issues turned into one line per problem naming the field's
// path (`routes[0].destinations[1].url: must be https`), and the JSON Schema for editors.
import * as z from 'zod';
import { didYouMean } from '../closest-name';
import { ConfigError } from '../errors';
import { type BridgeConfig, configSchema } from './schema';

/** `routes[0].destinations[1].url` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue, parentPath: readonly PropertyKey[] = []): string[] {
  const path = [...parentPath, ...issue.path];
  const where = path.length > 0 ? formatPath(path) : '(config)';
  switch (issue.code) {
    case 'invalid_union': {
      // Report the branch that matched the input's type (a string URL vs { secret }), not all of them.
      const branch = issue.errors.find(
        (errors) => !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0),
      );
      if (branch) return branch.flatMap((e) => describeIssue(e, path));
      return [`${where}: ${issue.errors.length === 0 ? issue.message : 'has the wrong type'}`];
    }
    case 'unrecognized_keys':
      // The message names each key, with a suggestion (unknownKeysMessage).
      return [`${where}: ${issue.message}`];
    case 'invalid_type':
      return [issue.input === undefined ? `${where}: is required` : `${where}: must be ${issue.expected}`];
    case 'too_small':
      return [`${where}: ${issue.origin === 'number' ? `must be at least ${issue.minimum}` : issue.message}`];
    case 'too_big':
      return [`${where}: must be at most ${issue.maximum}`];
    case 'invalid_value':
      return [`${where}: must be one of: ${issue.values.map(String).join(', ')}`];
    case 'invalid_key':
      return [`${where}: ${issue.issues.map((inner) => inner.message).join('; ')}`];
    default:
      return [`${where}: ${issue.message}`];
  }
}

/**
 * `unknown key "tempalte" (did you mean "template"?)`: the object schema that refused the keys
 * (`inst`) knows the allowed ones, at any depth; keys the object already sets are not suggested.
 */
function unknownKeysMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape ?? {};
  const present = typeof issue.input === 'object' && issue.input !== null ? Object.keys(issue.input) : [];
  const allowed = Object.keys(shape).filter((key) => !present.includes(key));
  const keys = issue.keys.map((key) => `"${key}"${didYouMean(key, allowed)}`);
  return `unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
}

/** Validates an already-parsed config object; throws ConfigError listing every bad field. */
export function parseConfig(input: unknown): BridgeConfig {
  // YAML reads an empty or comment-only file as null (undefined for no document at all).
  if (input === null || input === undefined) {
    throw new ConfigError(['config is empty: it needs at least routes (see tfe-bridge init)']);
  }
  const result = configSchema.safeParse(input, { reportInput: true, error: unknownKeysMessage });
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(issue)));
  return result.data;
}

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
