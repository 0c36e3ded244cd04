// examples/templates/*.jsonata are there to be copied: each loads as a `{ file }` template through
// the real config loader, renders every bundled fixture and hostile payload in the template
// sandbox, passes the validator of the service it targets (test/support/target-api-schemas) and
// lets no payload text become a link, a mention or markup (the presets' own check).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadedConfig, loadConfigFile } from '../lambda/adapters/local/config-file';
import { classifyPayload } from '../lambda/core/receive/payloads';
import { describeEvent } from '../lambda/core/render/event-view';
import { compileTemplate } from '../lambda/core/render/templates';
import {
  discordInjections,
  pagerDutyInjections,
  slackInjections,
  teamsInjections,
} from './core/render/presets/injected-markup';
import { runCli } from './support/cli-process';
import { fixture, fixtureNames } from './support/fixtures';
import { EXAMPLE_ROUTING_KEY, HOSTILE_SAMPLES } from './support/preset-samples';
import {
  type Validate,
  validateDiscord,
  validateGithubDispatch,
  validatePagerDuty,
  validateSlack,
  validateTeams,
} from './support/target-api-schemas';

const TEMPLATES_DIR = join(import.meta.dirname, '..', 'examples', 'templates');
const SECRETS = { routingKey: EXAMPLE_ROUTING_KEY };

/** Each example and what it must satisfy: the service's validator, or for `generic` the generic
 *  preset's exact output (it is that preset written in JSONata). */
const EXAMPLES: Record<string, Validate | 'generic preset'> = {
  slack: validateSlack,
  teams: validateTeams,
  discord: validateDiscord,
  pagerduty: validatePagerDuty,
  'github-dispatch': validateGithubDispatch,
  generic: 'generic preset',
};
const SAMPLES = [...fixtureNames().map((name) => ({ name, body: fixture(name) })), ...HOSTILE_SAMPLES];

/** A config with one destination per example, each `template: { file }` relative to the config. */
function writeConfig(dir: string): string {
  const destinations = Object.keys(EXAMPLES).map((name) => ({
    id: name,
    url: 'https://hooks.example.com/x',
    secrets: name === 'pagerduty' ? { routingKey: { secretId: 'tfe-bridge/pagerduty' } } : undefined,
    template: { file: relative(dir, join(TEMPLATES_DIR, `${name}.jsonata`)) },
  }));
  const config = {
    routes: [{ id: 'examples', signingSecret: { secretId: 'tfe-bridge/hmac' }, destinations }],
  };
  const path = join(dir, 'bridge.yaml');
  writeFileSync(path, JSON.stringify(config));
  return path;
}

let dir: string;
let loaded: LoadedConfig;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-templates-'));
  loaded = loadConfigFile(writeConfig(dir));
});

afterAll(async () => {
  await loaded?.sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function render(name: string, body: string): Promise<unknown> {
  const renderer = loaded.renderers.get(`examples/${name}`);
  if (!renderer) throw new Error(`no renderer for ${name}`);
  const text = await renderer({ body, notification: classifyPayload(JSON.parse(body)), secrets: SECRETS });
  return JSON.parse(text);
}

it('every example template is in this test', () => {
  const files = readdirSync(TEMPLATES_DIR).filter((file) => file.endsWith('.jsonata'));
  expect(files.sort()).toEqual(
    Object.keys(EXAMPLES)
      .map((name) => `${name}.jsonata`)
      .sort(),
  );
});

describe.each(Object.entries(EXAMPLES))('examples/templates/%s.jsonata', (name, check) => {
  it.each(SAMPLES)('renders $name as its service accepts it', async ({ body }) => {
    const rendered = await render(name, body);
    if (check === 'generic preset') {
      const preset = await compileTemplate({ preset: 'generic' })({
        body,
        notification: classifyPayload(JSON.parse(body)),
      });
      expect(rendered).toEqual(JSON.parse(preset));
    } else {
      expect(check(rendered)).toEqual([]);
    }
  });
});

// The hostile samples put links, mentions and every service's markup in each payload field.
describe.each([
  ['slack', slackInjections],
  ['teams', teamsInjections],
  ['discord', discordInjections],
  ['pagerduty', pagerDutyInjections],
] as const)('examples/templates/%s.jsonata', (name, injections) => {
  it.each(SAMPLES)(
    'keeps the text of $name text: no link, mention or markup of its own',
    async ({ body }) => {
      const rendered = (await render(name, body)) as Record<string, unknown>;
      const { url } = describeEvent(classifyPayload(JSON.parse(body)));
      expect(injections(rendered, url)).toEqual([]);
    },
  );
});

it('passes `tfe-bridge validate`, which renders every fixture through each template', async () => {
  const result = await runCli(['validate', '--config', join(dir, 'bridge.yaml')]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
});
