// The config of issue 18: a route's `enrich`, and the filter fields `statuses`, `workspaceTags`
// and `when` (compiled at load: a broken predicate makes the config invalid).
import { describe, expect, it } from 'vitest';
import { destinationSecretIds } from '../../../infra/config-secrets';
import { parseConfig } from '../../../lambda/core/config/parse';
import { namedSecrets } from '../../../lambda/core/config/secret-check';
import { ConfigError } from '../../../lambda/core/errors';
import { compileTemplates } from '../../../lambda/core/render/templates';
import { readmeRoutingExample } from '../../support/readme-routing-example';

const enrich = { hcpTerraform: { token: { secretId: 'tfc-token' } } };
const route = (extra: Record<string, unknown>, filter?: Record<string, unknown>) => ({
  id: 'runs',
  signingSecret: { secretId: 'hmac' },
  destinations: [{ id: 'slack', url: 'https://hooks.example.com/x', ...(filter ? { filter } : {}) }],
  ...extra,
});

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('config was accepted');
}

describe('enrich', () => {
  it('defaults to HCP Terraform, a 3 s budget and no error excerpt', () => {
    const config = parseConfig({ routes: [route({ enrich })] });
    expect(config.routes[0]?.enrich?.hcpTerraform).toEqual({
      token: { secretId: 'tfc-token' },
      address: 'https://app.terraform.io',
      errorExcerpt: false,
      budgetMs: 3_000,
    });
  });

  it('takes a TFE address; http only with allowInsecureHttp', () => {
    const tfe = { hcpTerraform: { ...enrich.hcpTerraform, address: 'https://tfe.example.com' } };
    expect(parseConfig({ routes: [route({ enrich: tfe })] }).routes[0]?.enrich?.hcpTerraform.address).toBe(
      'https://tfe.example.com',
    );
    const http = { hcpTerraform: { ...enrich.hcpTerraform, address: 'http://127.0.0.1:8080' } };
    expect(problemsOf({ routes: [route({ enrich: http })] }).join('\n')).toMatch(
      /enrich\.hcpTerraform\.address.*allowInsecureHttp/,
    );
    expect(() => parseConfig({ routes: [route({ enrich: http, allowInsecureHttp: true })] })).not.toThrow();
  });

  it('is a secret serve/validate check and the worker may read', () => {
    const config = parseConfig({ routes: [route({ enrich })] });
    expect(namedSecrets(config).map((s) => s.path)).toContain('routes[0].enrich.hcpTerraform.token');
    expect(destinationSecretIds(config)).toContain('tfc-token');
  });
});

describe('filter fields', () => {
  it('accepts statuses, workspaceTags (with enrich) and when', () => {
    const filter = {
      statuses: ['errored'],
      workspaceTags: { any: ['prod'] },
      when: "$event.error.phase = 'apply'",
    };
    const config = parseConfig({ routes: [route({ enrich }, filter)] });
    expect(config.routes[0]?.destinations[0]?.filter).toEqual(filter);
  });

  it('refuses workspaceTags without enrich, and an empty tag filter', () => {
    expect(problemsOf({ routes: [route({}, { workspaceTags: { any: ['prod'] } })] }).join('\n')).toMatch(
      /workspaceTags.*needs enrich/,
    );
    expect(problemsOf({ routes: [route({ enrich }, { workspaceTags: {} })] }).join('\n')).toMatch(
      /must set any, all or none/,
    );
  });

  it('compiles when at load: a syntax error names the field', () => {
    const config = parseConfig({ routes: [route({}, { when: '$event.status = ' })] });
    expect(() => compileTemplates(config)).toThrow(/destinations\[0\]\.filter\.when/);
  });
});

describe("the README's routing example", () => {
  it('is a valid config whose predicates compile (the e2e test runs its filters)', () => {
    const config = parseConfig(readmeRoutingExample());
    expect(compileTemplates(config).size).toBe(2);
    expect(config.routes[0]?.destinations.map((d) => d.filter?.when)).toEqual([
      "$event.error.phase = 'apply'",
      "$event.status != 'discarded'",
    ]);
  });
});
