// Validating a parsed config: zod's issues turned into one line per problem naming the field's
// path (`routes[0].destinations[1].url: must be https`), and the JSON Schema for editors.
import * as z from 'zod';
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
      return [
        `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      ];
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

/** Validates an already-parsed config object; throws ConfigError listing every bad field. */
export function parseConfig(input: unknown): BridgeConfig {
  const result = configSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(issue)));
  return result.data;
}

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
