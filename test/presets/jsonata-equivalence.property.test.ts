// The presets are TypeScript functions that replaced JSONata expressions for speed; they must
// render exactly the same bytes as those expressions (kept in ./jsonata-reference) on every
// sample and on arbitrary input, so that no destination sees a difference.
import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { describeEvent, type EventView } from '../../lambda/core/event-view';
import { classifyPayload, PAYLOAD_KINDS } from '../../lambda/core/payloads';
import { PRESETS } from '../../lambda/core/presets';
import { compileExpression, compileTemplate } from '../../lambda/core/templates';
import { fixture, fixtureNames } from '../support/fixtures';
import { EXAMPLE_ROUTING_KEY, presetSamples } from '../support/preset-samples';
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

const text = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 140, maxLength: 300 }),
  fc.constantFrom('a & <b> *_~|\\ c', 'my_workspace', '🚀'.repeat(200)),
);
const someText = text.map((value) => value ?? 'x');

/** Event views no payload may produce today, to cover every branch of every preset. */
const anyView: fc.Arbitrary<EventView> = fc.record({
  kind: fc.constantFrom(...PAYLOAD_KINDS),
  trigger: text,
  status: text,
  outcome: fc.constantFrom('failure', 'warning', 'success', 'info'),
  source: someText,
  message: someText,
  summary: someText,
  details: text,
  subject: text,
  workspace: text,
  workspace_id: text,
  organization: text,
  resource: text,
  id: text,
  url: fc.oneof(fc.constant(null), fc.webUrl()),
  url_label: text,
  actor: text,
  timestamp: text,
  epoch: fc.oneof(
    fc.constant(null),
    fc.constant(0),
    fc.integer({ min: -62_000_000_000, max: 253_000_000_000 }),
  ),
  facts: fc.array(
    fc.record({
      title: fc.oneof(someText, fc.constantFrom('__proto__', 'kind', 'subject')),
      value: someText,
    }),
    { maxLength: 30 },
  ),
});

describe.each(Object.keys(PRESETS))('the %s preset', (name) => {
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

it('has a reference expression for every preset', () => {
  expect(Object.keys(JSONATA_PRESETS).sort()).toEqual(Object.keys(PRESETS).sort());
  expect(describeEvent(classifyPayload({})).kind).toBe('unknown');
});
