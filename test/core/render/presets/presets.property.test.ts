// Whatever arrives (HashiCorp adds fields, sends nulls, and unknown senders send anything),
// every preset renders a body its target API accepts: a template error would dead-letter the
// notification instead of delivering it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPayload } from '../../../../lambda/core/receive/payloads';
import { PRESETS } from '../../../../lambda/core/render/presets';
import { compileTemplate } from '../../../../lambda/core/render/templates';
import { fixture, fixtureNames } from '../../../support/fixtures';
import { EXAMPLE_ROUTING_KEY } from '../../../support/preset-samples';
import { TARGET_VALIDATORS, type Validate } from '../../../support/target-api-schemas';
import { contractView } from './event-views';

const TARGETS: Array<[string, Validate]> = [...TARGET_VALIDATORS, ['generic', () => []]];

const anyObject = fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }));

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The objects of a payload that hold its fields: the body, `details`, `event_payload`, the first
 *  `notifications[]` entry (whichever exist at this point of the mutation). */
const holdersOf = (body: Record<string, unknown>) =>
  [
    body,
    body.details,
    body.event_payload,
    Array.isArray(body.notifications) ? body.notifications[0] : null,
  ].filter(isObject);

/** A fixture with some of its fields, top-level or nested, replaced by arbitrary JSON. */
const mutatedFixture = fc
  .tuple(
    fc.constantFrom(...fixtureNames()),
    fc.array(fc.tuple(fc.nat(), fc.nat(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 4 }),
  )
  .map(([name, edits]) => {
    const body = JSON.parse(fixture(name)) as Record<string, unknown>;
    for (const [which, index, value] of edits) {
      const holders = holdersOf(body);
      const holder = holders[which % holders.length] ?? body;
      const keys = Object.keys(holder);
      const key = keys[index % Math.max(keys.length, 1)];
      if (key !== undefined) holder[key] = value;
    }
    return body;
  });

describe.each(TARGETS)('the %s preset, on arbitrary input', (preset, validate) => {
  const render = compileTemplate({ preset: preset as 'generic' });
  const check = async (payload: Record<string, unknown>) => {
    const body = JSON.stringify(payload);
    const output = await render({
      body,
      notification: classifyPayload(payload),
      secrets: { routingKey: EXAMPLE_ROUTING_KEY },
    });
    expect(validate(JSON.parse(output))).toEqual([]);
  };

  it('renders any JSON object', async () => {
    await fc.assert(fc.asyncProperty(anyObject, check), { numRuns: 60 });
  });

  it('renders fixtures whose fields hold unexpected types', async () => {
    await fc.assert(fc.asyncProperty(mutatedFixture, check), { numRuns: 60 });
  });

  it('renders any event view within the service’s limits, however long its texts', () => {
    const render = PRESETS[preset];
    fc.assert(
      fc.property(contractView, (event) => {
        const body = render?.({
          event,
          payload: { trigger: 'x' },
          secrets: { routingKey: EXAMPLE_ROUTING_KEY },
        });
        expect(validate(JSON.parse(JSON.stringify(body)))).toEqual([]);
      }),
      { numRuns: Number(process.env.RUNS ?? 60) },
    );
  });
});
