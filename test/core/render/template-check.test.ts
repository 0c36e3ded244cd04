import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { checkTemplates } from '../../../lambda/core/render/template-check';
import { compileTemplates } from '../../../lambda/core/render/templates';
import { fixture, fixtureNames } from '../../support/fixtures';

const SAMPLES = fixtureNames().map((name) => ({ name, body: fixture(name) }));

async function check(destinations: unknown[]) {
  const config = parseConfig({ routes: [{ id: 'r', allowUnsigned: true, destinations }] });
  return checkTemplates(config, compileTemplates(config), SAMPLES);
}

describe('checkTemplates', () => {
  it('renders every non-verification fixture through an unfiltered preset without a problem', async () => {
    const result = await check([
      {
        id: 'pd',
        url: 'https://a.example',
        template: { preset: 'pagerduty' },
        secrets: { routingKey: { secretId: 'pd' } },
      },
    ]);
    expect(result).toEqual({ problems: [], renders: 15, unchecked: [] });
  });

  it('reports each distinct failure once per destination, with the fixtures it happened on', async () => {
    const result = await check([
      { id: 'ok', url: 'https://a.example' },
      {
        id: 'runs-only',
        url: 'https://a.example',
        template: { jsonata: 'notifications[0].message' },
      },
    ]);
    // Every payload without notifications[0] fails the same way: one line for all nine.
    expect(result.problems).toEqual([
      'routes[0].destinations[1].template: template produced no output for this payload (on 9 fixtures: assessment-drifted, hcp-packer-version-assigned, hcp-vault-secrets-app-created and 6 more)',
    ]);
  });

  it('renders only the families the filter admits, all of a family once one trigger matches', async () => {
    const result = await check([
      {
        id: 'runs-only',
        url: 'https://a.example',
        template: { jsonata: '{ "text": notifications[0].message }' },
        filter: { triggers: ['run:errored'], workspaces: ['prod-*'] },
      },
    ]);
    // The 6 run fixtures (workspace filters are ignored: fixture names are examples).
    expect(result).toEqual({ problems: [], renders: 6, unchecked: [] });
  });

  it('names destinations whose filter admits no fixture', async () => {
    const result = await check([
      { id: 'deleted', url: 'https://a.example', filter: { triggers: ['workspace:deleted'] } },
    ]);
    expect(result).toEqual({ problems: [], renders: 0, unchecked: ['r/deleted'] });
  });

  it('gives templates placeholder values for the named secrets', async () => {
    const result = await check([
      {
        id: 'needs-key',
        url: 'https://a.example',
        template: { jsonata: '$secrets.apiKey = "<secret apiKey>" ? {"ok": true} : $error("no key")' },
        secrets: { apiKey: { secretId: 'k' } },
      },
    ]);
    expect(result.problems).toEqual([]);
  });
});
