// Each preset's output, for every sample (and a stress sample of over-long, markup-laden text),
// satisfies the documented required fields and limits of the API it targets.
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { classifyPayload } from '../../lambda/core/payloads';
import { compileTemplate } from '../../lambda/core/templates';
import { EXAMPLE_ROUTING_KEY, presetSamples, STRESS_SAMPLE } from '../support/preset-samples';
import {
  discordMessage,
  githubDispatch,
  pagerDutyEvent,
  slackMessage,
  teamsMessage,
} from '../support/target-api-schemas';

const SAMPLES = [...presetSamples(), STRESS_SAMPLE];

async function render(preset: string, body: string): Promise<unknown> {
  const text = await compileTemplate({ preset: preset as 'generic' })({
    body,
    notification: classifyPayload(JSON.parse(body)),
    secrets: { routingKey: EXAMPLE_ROUTING_KEY },
  });
  return JSON.parse(text);
}

const TARGETS: Array<[string, z.ZodType]> = [
  ['slack', slackMessage],
  ['teams', teamsMessage],
  ['discord', discordMessage],
  ['pagerduty', pagerDutyEvent],
  ['github-dispatch', githubDispatch],
];

describe.each(TARGETS)('the %s preset meets its API contract', (preset, schema) => {
  it.each(SAMPLES)('for $name', async ({ body }) => {
    const result = schema.safeParse(await render(preset, body));
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });
});

const GENERIC_KEYS = [
  'version',
  'kind',
  'trigger',
  'status',
  'outcome',
  'source',
  'message',
  'summary',
  'details',
  'workspace',
  'workspace_id',
  'organization',
  'resource',
  'id',
  'url',
  'actor',
  'timestamp',
  'raw',
];

describe('the generic preset', () => {
  it.each(SAMPLES)('has exactly the documented keys for $name', async ({ body }) => {
    const output = (await render('generic', body)) as Record<string, unknown>;
    expect(Object.keys(output)).toEqual(GENERIC_KEYS);
    expect(output.raw).toEqual(JSON.parse(body));
  });
});
