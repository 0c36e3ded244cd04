// The enrichment's API reads against a real local HCP Terraform API (test/support/hcp-terraform-server.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema, type RouteConfig } from '../../../lambda/core/config/schema';
import { createEnricher } from '../../../lambda/core/enrich/enricher';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { CaptureLogger } from '../../support/capture-logger';
import { fixture } from '../../support/fixtures';
import {
  type HcpTerraformServer,
  readApiFixtureFile,
  startHcpTerraformServer,
} from '../../support/hcp-terraform-server';
import { MemorySecretStore } from '../../support/memory-secret-store';

const TOKEN = 'atlasv1.test-token';
const recorded = readApiFixtureFile('examples/hcp-api/run-errored.json');

function route(address: string, extra: Record<string, unknown> = {}): RouteConfig {
  return configSchema.parse({
    routes: [
      {
        id: 'prod-runs',
        allowUnsigned: true,
        allowInsecureHttp: true,
        enrich: { hcpTerraform: { token: { secretId: 'tfc' }, address, ...extra } },
        destinations: [{ id: 'hook', url: 'http://127.0.0.1:1/' }],
      },
    ],
  }).routes[0] as RouteConfig;
}

function errored(status = 'errored') {
  const payload = JSON.parse(fixture('tfe-run-errored')) as { notifications: Array<Record<string, unknown>> };
  const entry = payload.notifications[0] ?? {};
  entry.run_status = status;
  entry.message = 'Run Errored';
  return classifyPayload(payload as unknown as Record<string, unknown>);
}

const servers: HcpTerraformServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setUp(options: Partial<Parameters<typeof startHcpTerraformServer>[0]> = {}) {
  const api = await startHcpTerraformServer({ fixture: recorded, token: TOKEN, ...options });
  servers.push(api);
  const logger = new CaptureLogger();
  const counted: Array<{ name: string; labels: Record<string, string> }> = [];
  const enricher = createEnricher({
    secrets: new MemorySecretStore({ tfc: TOKEN }),
    fetch: globalThis.fetch,
    logger,
    metrics: { count: (name, labels) => counted.push({ name, labels }), observe: () => undefined },
  });
  return { api, logger, counted, enricher };
}

describe('createEnricher', () => {
  it('reads the run, its policies and (opt-in) the error log; the log URL gets no token', async () => {
    const { api, enricher } = await setUp();
    const result = await enricher.enrich(route(api.url, { errorExcerpt: true }), errored(), 'job-1');
    expect(result?.ok).toBe(true);
    if (!result?.ok) return;
    expect(result.enrichment).toMatchObject({
      plan: { summary: '+2 ~1 -0', has_changes: true },
      apply: { summary: '+1 ~0 -0', import: null },
      cost: { proposed_monthly: '25.488', delta_monthly: '25.488' },
      policy: { outcome: 'mandatory_failed', advisory_failed: ['cost-center-label'] },
      error: { status: 'errored', phase: 'apply' },
      workspace_tags: ['prod', 'team-a'],
    });
    expect(result.enrichment.error?.excerpt).toContain('AccessDenied');
    const [run, ...rest] = api.requests;
    expect(run?.path).toBe('/api/v2/runs/run-FwnENkvDnrpyFC7M');
    expect(decodeURIComponent(run?.query ?? '')).toBe(
      '?include=plan,apply,cost_estimate,workspace,task_stages',
    );
    expect(run?.headers.accept).toBe('application/vnd.api+json');
    const log = rest.find((r) => r.path.startsWith('/v1/object/'));
    expect(log?.path).toBe('/v1/object/apply-log-dmF1bHQ6djE6');
    expect(log?.headers.authorization).toBeUndefined();
  });

  it('reads no log without errorExcerpt', async () => {
    const { api, enricher } = await setUp();
    const result = await enricher.enrich(route(api.url), errored(), 'job-1');
    expect(result?.ok && result.enrichment.error).toEqual({
      status: 'errored',
      phase: 'apply',
      excerpt: null,
    });
    expect(api.requests.some((r) => r.path.startsWith('/v1/object/'))).toBe(false);
  });

  it('reads a run once per status for every destination and notification of a burst', async () => {
    const { api, enricher } = await setUp();
    const config = route(api.url);
    await Promise.all([1, 2, 3].map((n) => enricher.enrich(config, errored(), `job-${n}`)));
    const runReads = () => api.requests.filter((r) => r.path === '/api/v2/runs/run-FwnENkvDnrpyFC7M').length;
    expect(runReads()).toBe(1);
    await enricher.enrich(config, errored('applying'), 'job-4');
    expect(runReads()).toBe(2);
  });

  it('gives up after its budget: counted and logged with the reason', async () => {
    const { api, enricher, logger, counted } = await setUp({ delayMs: 5_000 });
    const result = await enricher.enrich(route(api.url, { budgetMs: 200 }), errored(), 'job-1');
    expect(result).toEqual({ ok: false, reason: 'timeout' });
    expect(counted).toEqual([
      { name: 'enrichment_failed', labels: { route: 'prod-runs', reason: 'timeout' } },
    ]);
    expect(logger.withMessage('enrichment_failed: sent without enrichment')[0]).toMatchObject({
      level: 'warn',
      reason: 'timeout',
    });
  });

  it('waits out a 429 for X-RateLimit-Reset, and gives up when that is past the budget', async () => {
    const quick = await setUp({ rateLimit: { count: 1, resetSeconds: '0.05' } });
    expect((await quick.enricher.enrich(route(quick.api.url), errored(), 'j'))?.ok).toBe(true);
    const slow = await setUp({ rateLimit: { count: 1, resetSeconds: '60' } });
    expect(await slow.enricher.enrich(route(slow.api.url), errored(), 'j')).toEqual({
      ok: false,
      reason: 'rate_limited',
    });
  });

  it('logs a refused token once per route, with a hint, and never throws', async () => {
    const { api, enricher, logger, counted } = await setUp({ token: 'another-token' });
    const config = route(api.url);
    for (const status of ['planning', 'planned', 'errored']) {
      expect(await enricher.enrich(config, errored(status), 'j')).toEqual({
        ok: false,
        reason: 'unauthorized',
      });
    }
    const warned = logger.entries.filter((e) => e.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(String(warned[0]?.hint)).toMatch(/token/);
    expect(counted).toHaveLength(3);
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('reads nothing for routes without enrich, other payloads, or run ids that are not ids', async () => {
    const { api, enricher } = await setUp();
    const plain = { ...route(api.url) };
    delete (plain as { enrich?: unknown }).enrich;
    expect(await enricher.enrich(plain, errored(), 'j')).toBeNull();
    expect(
      await enricher.enrich(route(api.url), classifyPayload(JSON.parse(fixture('assessment-drifted'))), 'j'),
    ).toBeNull();
    const hostile = errored();
    hostile.payload.run_id = 'run-x/../../admin';
    expect(await enricher.enrich(route(api.url), hostile, 'j')).toBeNull();
    expect(api.requests).toHaveLength(0);
  });
});
