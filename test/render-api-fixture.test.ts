// `tfe-bridge render --api-fixture FILE`: the enriched output from a payload and recorded API
// answers, without a token or network (issue 18), through the real binary.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './support/cli-process';

function configFile(route: Record<string, unknown>, tagFilter = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-render-api-'));
  const path = join(dir, 'bridge.yaml');
  writeFileSync(
    path,
    stringify({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          destinations: [
            { id: 'slack', url: 'https://hooks.slack.com/services/T0/B0/x', template: { preset: 'slack' } },
            {
              id: 'paged',
              url: 'https://events.pagerduty.com/v2/enqueue',
              ...(tagFilter ? { filter: { workspaceTags: { none: ['prod'] } } } : {}),
            },
          ],
          ...route,
        },
      ],
    }),
  );
  return path;
}

const enrich = { hcpTerraform: { token: { secretId: 'tfc' }, errorExcerpt: true } };
const args = (config: string, destination = 'runs/slack') => [
  ...['render', '--config', config, '--destination', destination, '--fixture', 'tfe-run-errored'],
  ...['--api-fixture', 'examples/hcp-api/run-errored.json', '--pretty'],
];

describe('render --api-fixture', () => {
  it('shows the enrichment the bridge would add', async () => {
    const run = await runCli(args(configFile({ enrich })));
    expect(run.stderr).not.toMatch(/enrichment_failed/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Plan\\n+2 ~1 -0');
    expect(run.stdout).toContain('Cost\\n25.488/mo (+25.488)');
    expect(run.stdout).toContain('Error (apply)');
    expect(run.stdout).toContain('AccessDenied');
  });

  it('says when a filter decided after the enrichment would skip the job', async () => {
    const run = await runCli(args(configFile({ enrich }), 'runs/paged'));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'would skip this job after the enrichment: filter.workspaceTags did not match',
    );
  });

  it('refuses a route without enrich, and a fixture that is not a path map', async () => {
    const plain = await runCli(args(configFile({}, false)).slice(0, -1));
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('route "runs" has no enrich.hcpTerraform');
    const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-render-api-'));
    writeFileSync(join(dir, 'bad.json'), '{"api/v2/runs/x": {}}');
    const bad = await runCli([
      ...args(configFile({ enrich })).slice(0, 9),
      '--api-fixture',
      join(dir, 'bad.json'),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a URL path');
  });
});
