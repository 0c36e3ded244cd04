// Golden tests: every preset over every sample, compared with the reviewed output committed
// under test/golden/<preset>/<sample>.json. After an intended change, regenerate and review:
//   UPDATE_GOLDEN=1 npx vitest run test/core/render/presets
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyPayload } from '../../../../lambda/core/receive/payloads';
import { PRESETS as RENDERED_PRESETS } from '../../../../lambda/core/render/presets';
import { compileTemplate } from '../../../../lambda/core/render/templates';
import { EXAMPLE_ROUTING_KEY, presetSamples } from '../../../support/preset-samples';

const GOLDEN_DIR = join(import.meta.dirname, '..', '..', '..', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const PRESETS = Object.keys(RENDERED_PRESETS);
const SAMPLES = presetSamples();

async function renderPretty(preset: string, body: string): Promise<string> {
  const render = compileTemplate({ preset: preset as 'generic' });
  const text = await render({
    body,
    notification: classifyPayload(JSON.parse(body)),
    secrets: { routingKey: EXAMPLE_ROUTING_KEY },
  });
  return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
}

describe.each(PRESETS)('the %s preset', (preset) => {
  it.each(SAMPLES)('renders $name as reviewed', async ({ name, body }) => {
    const file = join(GOLDEN_DIR, preset, `${name}.json`);
    const actual = await renderPretty(preset, body);
    if (UPDATE) {
      mkdirSync(join(GOLDEN_DIR, preset), { recursive: true });
      writeFileSync(file, actual);
    }
    expect(
      existsSync(file),
      `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/core/render/presets`,
    ).toBe(true);
    expect(actual).toBe(readFileSync(file, 'utf8'));
  });

  it('has no golden file for a sample that no longer exists', () => {
    const files = existsSync(join(GOLDEN_DIR, preset)) ? readdirSync(join(GOLDEN_DIR, preset)) : [];
    expect(files.sort()).toEqual(SAMPLES.map(({ name }) => `${name}.json`).sort());
  });
});
