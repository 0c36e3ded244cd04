// Renders a preset the way the worker does (compileTemplate over a classified payload), for the
// preset tests.
import { classifyPayload } from '../../../../lambda/core/receive/payloads';
import { compileTemplate } from '../../../../lambda/core/render/templates';
import { fixture } from '../../../support/fixtures';
import { EXAMPLE_ROUTING_KEY, HOSTILE_SAMPLES, presetSamples } from '../../../support/preset-samples';

// biome-ignore lint/suspicious/noExplicitAny: tests read deep into rendered JSON.
export type Rendered = any;

/** A fixture, a synthetic or a hostile sample, by name. */
export const bodyOf = (name: string): string =>
  [...presetSamples(), ...HOSTILE_SAMPLES].find((sample) => sample.name === name)?.body ?? fixture(name);

export async function renderPreset(
  preset: string,
  body: string | Record<string, unknown>,
): Promise<Rendered> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const rendered = await compileTemplate({ preset: preset as 'generic' })({
    body: text,
    notification: classifyPayload(JSON.parse(text)),
    secrets: { routingKey: EXAMPLE_ROUTING_KEY },
  });
  return JSON.parse(rendered);
}
