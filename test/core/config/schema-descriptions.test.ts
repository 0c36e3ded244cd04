// Editors show a field's description from the JSON Schema (`tfe-bridge schema`), which comes from
// the zod schema's own metadata: every property must have one, so a new field without fails here,
// and every example given must be a value the field accepts.
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { configJsonSchema } from '../../../lambda/core/config/parse';
import { configSchema } from '../../../lambda/core/config/schema';

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Schema keywords whose values are subschemas (one, a list, or a map of them). */
const SUBSCHEMAS = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];

/** The path of every property, anywhere in a JSON Schema, that has no description. */
function undescribedProperties(node: unknown, path = '#'): string[] {
  if (!isNode(node)) return [];
  const found: string[] = [];
  if (isNode(node.properties)) {
    for (const [key, property] of Object.entries(node.properties)) {
      const description = isNode(property) ? property.description : undefined;
      if (typeof description !== 'string' || description.trim() === '') found.push(`${path}.${key}`);
      found.push(...undescribedProperties(property, `${path}.${key}`));
    }
  }
  for (const keyword of SUBSCHEMAS) found.push(...undescribedProperties(node[keyword], `${path}/${keyword}`));
  for (const keyword of SUBSCHEMA_LISTS) {
    const list = node[keyword];
    if (!Array.isArray(list)) continue;
    for (const [i, item] of list.entries()) {
      found.push(...undescribedProperties(item, `${path}/${keyword}[${i}]`));
    }
  }
  if (isNode(node.$defs)) {
    for (const [name, def] of Object.entries(node.$defs))
      found.push(...undescribedProperties(def, `#/$defs/${name}`));
  }
  return found;
}

/** Every zod schema reachable from `schema`, with where it is. */
function* zodSchemas(schema: z.ZodType, path = 'config'): Generator<[string, z.ZodType]> {
  yield [path, schema];
  const def = schema._zod.def as unknown as Record<string, unknown>;
  const inner = (value: unknown, where: string) =>
    value instanceof z.ZodType ? zodSchemas(value, where) : ([] as Iterable<[string, z.ZodType]>);
  if (isNode(def.shape)) {
    for (const [key, value] of Object.entries(def.shape)) yield* inner(value, `${path}.${key}`);
  }
  for (const key of ['innerType', 'element', 'valueType', 'in']) yield* inner(def[key], path);
  if (Array.isArray(def.options)) for (const option of def.options) yield* inner(option, path);
}

describe('the config JSON Schema', () => {
  it('describes every property (add .meta({ description }) to a new field)', () => {
    const schema = configJsonSchema();
    expect(undescribedProperties(schema)).toEqual([]);
    // Walked, not vacuous: the deepest fields are reached.
    expect(JSON.stringify(schema)).toContain('"description":"The secret\'s name');
  });

  it('finds a property without a description, however deep', () => {
    const schema = z.toJSONSchema(
      z.strictObject({
        a: z.string().describe('a'),
        b: z
          .array(
            z.union([
              z.strictObject({ c: z.string() }),
              z.record(z.string(), z.strictObject({ d: z.int() })),
            ]),
          )
          .describe('b'),
        e: z.int().optional(),
      }),
    );
    expect(undescribedProperties(schema)).toEqual([
      '#.b/items/anyOf[0].c',
      '#.b/items/anyOf[1]/additionalProperties.d',
      '#.e',
    ]);
  });

  it('gives only examples its fields accept', () => {
    const examples = [...zodSchemas(configSchema)].flatMap(([path, schema]) =>
      ((schema.meta()?.examples as unknown[] | undefined) ?? []).map((example) => ({
        path,
        schema,
        example,
      })),
    );
    expect(examples.length).toBeGreaterThan(10);
    const refused = examples
      .filter(({ schema, example }) => !schema.safeParse(example).success)
      .map(({ path, example }) => `${path}: ${JSON.stringify(example)}`);
    expect(refused).toEqual([]);
  });
});
