// The generic preset is a TypeScript function that replaced a JSONata expression for speed; it
// must render exactly the same bytes as that expression (kept in ./jsonata-reference) on every
// sample and on arbitrary input, so that no destination sees a difference. (The other presets'
// expressions were retired with issue 14: see jsonata-reference/index.ts.)
import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { classifyPayload } from '../../../../lambda/core/receive/payloads';
import { describeEvent } from '../../../../lambda/core/render/event-view';
import { PRESETS } from '../../../../lambda/core/render/presets';
import { compileExpression, compileTemplate } from '../../../../lambda/core/render/templates';
import { fixture, fixtureNames } from '../../../support/fixtures';
import { EXAMPLE_ROUTING_KEY, presetSamples } from '../../../support/preset-samples';
import { anyView } from './event-views';
import { JSONATA_PRESETS } from './jsonata-reference';

const SAMPLES = presetSamples();

const anyPayload = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 })),
  fc
    .tuple(fc.constantFrom(...fixtureNames()), fc.string(), fc.jsonValue({ maxDepth: 2 }))
    .map(([name, key, value]) => {
      const body = JSON.parse(fixture(name)) as Record<string, unknown>;
      const keys = Object.keys(body);
      body[keys[key.length % keys.length] ?? key] = value;
      return body;
    }),
) as fc.Arbitrary<Record<string, unknown>>;

describe.each(['generic'])('the %s preset', (name) => {
  const reference = compileExpression(JSONATA_PRESETS[name] ?? '');
  const preset = compileTemplate({ preset: name as 'generic' });
  const secrets = { routingKey: EXAMPLE_ROUTING_KEY };

  const renderBoth = async (payload: Record<string, unknown>) => {
    const input = { body: JSON.stringify(payload), notification: classifyPayload(payload), secrets };
    return [await preset(input), await reference(input)];
  };

  it.each(SAMPLES)('renders $name exactly as its JSONata expression', async ({ body }) => {
    const [actual, expected] = await renderBoth(JSON.parse(body));
    expect(actual).toBe(expected);
  });

  it('renders any payload exactly as its JSONata expression', async () => {
    await fc.assert(
      fc.asyncProperty(anyPayload, async (payload) => {
        const [actual, expected] = await renderBoth(payload);
        expect(actual).toBe(expected);
      }),
      { numRuns: 100 },
    );
  });

  it('renders any event view exactly as its JSONata expression, with or without secrets', async () => {
    // The expression evaluated as compileExpression() does, but with `$event` given directly.
    const expression = jsonata(JSONATA_PRESETS[name] ?? '');
    const render = PRESETS[name];
    await fc.assert(
      fc.asyncProperty(anyView, fc.boolean(), async (view, withSecrets) => {
        const payload = { trigger: 'x' };
        const expected = JSON.stringify(
          await expression.evaluate(payload, { secrets: withSecrets ? secrets : {}, event: view }),
        );
        const actual = JSON.stringify(
          render?.({ event: view, payload, secrets: withSecrets ? secrets : {} }),
        );
        expect(actual).toBe(expected);
      }),
      { numRuns: Number(process.env.RUNS ?? 200) },
    );
  });
});

it('describes an empty payload as unknown', () => {
  expect(describeEvent(classifyPayload({})).kind).toBe('unknown');
});
