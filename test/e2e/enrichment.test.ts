// Issue 18 end to end through the real binary: `serve` with a route that enriches from a local
// HCP Terraform API (test/support/hcp-terraform-server.ts) and real destinations. An errored run
// reaches Slack with its counts, cost, policy and error; a slow API or a refused token sends the
// message without enrichment and says why; the README's routing example pages only prod's failed
// applies and sends the rest to Slack without discards (a job filtered after the enrichment is
// recorded as skipped).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliProcess, startCli } from '../support/cli-process';
import { closeAfterEach } from '../support/closed-after-each';
import { fixture } from '../support/fixtures';
import {
  type HcpTerraformServer,
  readApiFixtureFile,
  startHcpTerraformServer,
} from '../support/hcp-terraform-server';
import { eventually } from '../support/local-bridge';
import { exampleFilter } from '../support/readme-routing-example';
import { signedRequest } from '../support/signed-request';

const HMAC = 'enrich-signing-token';
const TOKEN = 'atlasv1.e2e-read-token';
const PROD_RUN = 'run-FwnENkvDnrpyFC7M';
const STAGING_RUN = 'run-Staging000000001';
const recorded = readApiFixtureFile('examples/hcp-api/run-errored.json');

/** The recorded API, plus a second run in a staging-tagged workspace. */
function apiFixture(): Record<string, unknown> {
  const staging = JSON.parse(
    JSON.stringify(recorded[`/api/v2/runs/${PROD_RUN}`])
      .replaceAll(PROD_RUN, STAGING_RUN)
      .replaceAll('"prod"', '"staging"'),
  );
  return { ...recorded, [`/api/v2/runs/${STAGING_RUN}`]: staging };
}

function payload(status: string, runId = PROD_RUN): string {
  const body = JSON.parse(fixture('tfe-run-errored'));
  body.run_id = runId;
  body.notifications[0].run_status = status;
  body.notifications[0].message = status === 'errored' ? 'Run Errored' : 'Run Discarded';
  return JSON.stringify(body);
}

const open = closeAfterEach();
const running: CliProcess[] = [];
const apis: HcpTerraformServer[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
  await Promise.all(apis.splice(0).map((api) => api.close()));
});

async function startApi(options: Partial<Parameters<typeof startHcpTerraformServer>[0]> = {}) {
  const api = await startHcpTerraformServer({ fixture: apiFixture(), token: TOKEN, ...options });
  apis.push(api);
  return api;
}

async function serve(route: Record<string, unknown>): Promise<{ cli: CliProcess; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-enrich-'));
  const config = {
    routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, ...route }],
  };
  writeFileSync(join(dir, 'bridge.yaml'), stringify(config));
  writeFileSync(
    join(dir, 'secrets.json'),
    JSON.stringify({ hmac: HMAC, tfc: TOKEN, pd: 'R0UTINGKEY0123456789012345678901' }),
  );
  const cli = startCli([
    ...['serve', '--config', join(dir, 'bridge.yaml'), '--secrets', join(dir, 'secrets.json')],
    ...['--store', join(dir, 'bridge.db'), '--port', '0'],
  ]);
  running.push(cli);
  const [, url] = await cli.waitForOutput(/"message":"listening","url":"([^"]+)"/);
  return { cli, url: url ?? '' };
}

const enrich = (address: string, extra: Record<string, unknown> = {}) => ({
  hcpTerraform: { token: { secretId: 'tfc' }, address, errorExcerpt: true, ...extra },
});

async function post(url: string, body: string): Promise<void> {
  const response = await fetch(`${url}/hooks/runs`, signedRequest({ body, secret: HMAC }));
  expect(response.status).toBe(202);
}

const lines = (cli: CliProcess) =>
  cli
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const slackText = (body: string) => {
  const message = JSON.parse(body) as { blocks: unknown[] };
  return JSON.stringify(message.blocks);
};

describe('enrichment through serve', () => {
  it('an errored run reaches Slack with counts, cost, policy and the error excerpt', async () => {
    const api = await startApi();
    const slack = await open.destination();
    const { url } = await serve({
      enrich: enrich(api.url),
      destinations: [{ id: 'slack', url: `${slack.url}/slack`, template: { preset: 'slack' } }],
    });
    await post(url, payload('errored'));
    const [request] = await slack.waitFor(1, 30_000);
    const text = slackText(request?.body ?? '');
    expect(text).toContain('Plan\\n+2 ~1 -0');
    expect(text).toContain('Apply\\n+1 ~0 -0');
    expect(text).toContain('Cost\\n25.488/mo (+25.488)');
    expect(text).toContain('Policy\\nmandatory failed: sentinel-policy-networking/restrict-public-ingress');
    expect(text).toContain('Error (apply)');
    expect(text).toContain('creating SQS Queue (workers-0): AccessDenied');
    expect(api.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('a slow API: sent without enrichment once the budget is spent, and the log says why', async () => {
    const api = await startApi({ delayMs: 20_000 });
    const slack = await open.destination();
    const { cli, url } = await serve({
      enrich: enrich(api.url, { budgetMs: 300 }),
      destinations: [{ id: 'slack', url: `${slack.url}/slack`, template: { preset: 'slack' } }],
    });
    await post(url, payload('errored'));
    const [request] = await slack.waitFor(1, 30_000);
    expect(slackText(request?.body ?? '')).not.toContain('Plan');
    const failed = await eventually(
      () => lines(cli).find((line) => line.message === 'enrichment_failed: sent without enrichment'),
      30_000,
    );
    expect(failed).toMatchObject({ level: 'warn', route: 'runs', reason: 'timeout' });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/tfe_bridge_enrichment_failed_total\{route="runs",reason="timeout"\} 1/);
  });

  it('a refused token: delivered without enrichment, logged once with a hint, never a delivery failure', async () => {
    const api = await startApi({ token: 'a-different-token' });
    const slack = await open.destination();
    const { cli, url } = await serve({
      enrich: enrich(api.url),
      destinations: [{ id: 'slack', url: `${slack.url}/slack`, template: { preset: 'slack' } }],
    });
    await post(url, payload('errored'));
    await post(url, payload('discarded'));
    await slack.waitFor(2, 30_000);
    const warnings = lines(cli).filter(
      (line) => line.message === 'enrichment_failed: sent without enrichment',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ reason: 'unauthorized' });
    expect(String(warnings[0]?.hint)).toMatch(/team API token/);
    const attempts = await eventually(() => {
      const found = lines(cli).filter((line) => line.message === 'delivery attempt');
      return found.length >= 2 ? found : undefined;
    }, 30_000);
    expect(attempts.map((line) => line.outcome)).toEqual(['delivered', 'delivered']);
    expect(cli.output()).not.toContain(TOKEN);
  });
});

describe("the README's routing example", () => {
  it('pages prod failed applies only; the rest goes to Slack without discards', async () => {
    const api = await startApi();
    const pagerduty = await open.destination();
    const slack = await open.destination();
    const { cli, url } = await serve({
      enrich: enrich(api.url),
      destinations: [
        {
          id: 'pagerduty',
          url: `${pagerduty.url}/v2/enqueue`,
          template: { preset: 'pagerduty' },
          secrets: { routingKey: { secretId: 'pd' } },
          filter: exampleFilter('pagerduty'),
        },
        {
          id: 'slack',
          url: `${slack.url}/slack`,
          template: { preset: 'slack' },
          filter: exampleFilter('slack'),
        },
      ],
    });
    await post(url, payload('errored'));
    await post(url, payload('errored', STAGING_RUN));
    await post(url, payload('discarded', STAGING_RUN));
    // Prod's failed apply pages; staging's error goes to Slack; staging's discard to nobody.
    const [page] = await pagerduty.waitFor(1, 30_000);
    expect(JSON.parse(page?.body ?? '{}').payload.custom_details.error).toContain('AccessDenied');
    const [message] = await slack.waitFor(1, 30_000);
    expect(slackText(message?.body ?? '')).toContain('Run Errored');
    // Skipped after the enrichment: recorded, not dead-lettered (2 jobs: prod→slack, staging discard→slack;
    // staging→pagerduty is skipped as well, prod discard never queued for PagerDuty by `statuses`).
    const skipped = await eventually(() => {
      const found = lines(cli).filter((line) => line.message === 'delivery skipped');
      return found.length >= 3 ? found : undefined;
    }, 30_000);
    expect(skipped.map((line) => `${line.destination}:${line.skipped}`).sort()).toEqual([
      'pagerduty:filter.workspaceTags did not match',
      'slack:filter.when was not true',
      'slack:filter.workspaceTags did not match',
    ]);
    expect(
      lines(cli).some((line) => line.message === 'dead-lettered' || line.outcome === 'dead-lettered'),
    ).toBe(false);
    expect(pagerduty.received).toHaveLength(1);
    expect(slack.received).toHaveLength(1);
  });
});
