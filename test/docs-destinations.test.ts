// docs/destinations.md stays true: its rendered examples are the golden files byte for byte,
// and every config snippet is valid and renders the bundled fixtures through its template.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../lambda/core/config/parse';
import { checkTemplates } from '../lambda/core/render/template-check';
import { compileTemplates } from '../lambda/core/render/templates';
import { fixture, fixtureNames } from './support/fixtures';

const ROOT = join(import.meta.dirname, '..');
const DOC = readFileSync(join(ROOT, 'docs', 'destinations.md'), 'utf8');

const goldenExamples = [...DOC.matchAll(/<!-- golden: ([\w./-]+) -->\n```json\n([\s\S]*?)```/g)];
const configSnippets = [...DOC.matchAll(/<!-- config -->\n```yaml\n([\s\S]*?)```/g)].map(
  (match) => match[1] ?? '',
);

describe('docs/destinations.md', () => {
  it('shows one rendered example per preset at least', () => {
    const presets = new Set(goldenExamples.map((match) => match[1]?.split('/')[0]));
    expect([...presets].sort()).toEqual([
      'discord',
      'generic',
      'github-dispatch',
      'pagerduty',
      'slack',
      'teams',
    ]);
  });

  it.each(goldenExamples.map((match) => [match[1], match[2]]))(
    'shows %s exactly as rendered',
    (key, json) => {
      expect(json).toBe(readFileSync(join(ROOT, 'test', 'golden', `${key}.json`), 'utf8'));
    },
  );

  it('has config snippets that are valid and render every admitted bundled fixture', async () => {
    const destinations = configSnippets.flatMap((snippet) => parse(snippet) as unknown[]);
    expect(destinations.length).toBe(configSnippets.length);
    const config = parseConfig({
      routes: [{ id: 'docs', signingSecret: { secretId: 'hmac' }, destinations }],
    });
    const samples = fixtureNames().map((name) => ({ name, body: fixture(name) }));
    // `{ file }` snippets name the example templates, relative to examples/ like its config.
    const readFile = (file: string) => readFileSync(join(ROOT, 'examples', file), 'utf8');
    const check = await checkTemplates(config, compileTemplates(config, { readFile }), samples);
    expect(check.problems).toEqual([]);
    expect(check.unchecked).toEqual([]);
  });
});
