// Whatever text a payload carries, in any of its fields, no rendered message holds a link, a
// mention or markup that the preset did not put there (injected-markup.ts reads each message
// the way its service does).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPayload } from '../../../../lambda/core/receive/payloads';
import { describeEvent } from '../../../../lambda/core/render/event-view';
import { compileTemplate } from '../../../../lambda/core/render/templates';
import { fixture, fixtureNames } from '../../../support/fixtures';
import { EXAMPLE_ROUTING_KEY, MARKUP, presetSamples, WIDE_TEXT } from '../../../support/preset-samples';
import { discordInjections, pagerDutyInjections, slackInjections, teamsInjections } from './injected-markup';

type Json = Record<string, unknown>;
type Find = (message: Json, url: string | null) => string[];

const FINDERS: Array<[string, Find]> = [
  ['slack', slackInjections],
  ['teams', teamsInjections],
  ['discord', discordInjections],
  ['pagerduty', pagerDutyInjections],
];

/** Pieces of every service's syntax, and arbitrary text, glued together. */
const fragment = fc.oneof(
  fc.constantFrom(...MARKUP.split(/(\s+)/), ...Array.from(WIDE_TEXT)),
  fc.constantFrom(
    '\\',
    '*',
    '_',
    '~',
    '|',
    '`',
    '<',
    '>',
    '[',
    ']',
    '(',
    ')',
    '#',
    '@',
    '&',
    '{{',
    '-',
    '1.',
    '\n',
  ),
  fc.constantFrom('https://evil.example/x', 'https://app.terraform.io/a?b=>|<!channel>'),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const hostileText = fc.array(fragment, { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));

/** A fixture with every string or null leaf replaced, in order, by one of `texts`. */
function withTexts(name: string, texts: string[]): Json {
  let next = 0;
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string' || value === null) return texts[next++ % texts.length];
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item)]));
    }
    return value;
  };
  return replace(JSON.parse(fixture(name))) as Json;
}

const hostilePayload = fc
  .tuple(fc.constantFrom(...fixtureNames()), fc.array(hostileText, { minLength: 1, maxLength: 30 }))
  .map(([name, texts]) => withTexts(name, texts));

async function injections(preset: string, find: Find, payload: Json): Promise<string[]> {
  const notification = classifyPayload(payload);
  const text = await compileTemplate({ preset: preset as 'generic' })({
    body: JSON.stringify(payload),
    notification,
    secrets: { routingKey: EXAMPLE_ROUTING_KEY },
  });
  return find(JSON.parse(text), describeEvent(notification).url);
}

describe.each(FINDERS)('the %s preset', (preset, find) => {
  it('adds no link, mention or markup for any text in any payload field', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePayload, async (payload) => {
        expect(await injections(preset, find, payload)).toEqual([]);
      }),
      { numRuns: Number(process.env.RUNS ?? 150) },
    );
  });

  it.each(presetSamples())('adds none for $name', async ({ body }) => {
    expect(await injections(preset, find, JSON.parse(body))).toEqual([]);
  });
});
