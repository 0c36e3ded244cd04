// Config load refuses `live` where a posted message cannot be edited, through the real binary:
// `validate` exits 2 with the reason for a Slack incoming webhook and for Teams.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../support/cli-process';

describe('live at load, through the real binary', () => {
  it('validate exits 2 for live on a Slack incoming webhook and on Teams, with the reasons', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-live-'));
    const path = join(dir, 'bridge.yaml');
    const destinations = [
      {
        id: 'hook',
        url: 'https://hooks.slack.com/services/T0/B0/X',
        template: { preset: 'slack' },
        live: true,
      },
      { id: 'teams', url: { secret: { secretId: 'teams-url' } }, template: { preset: 'teams' }, live: true },
    ];
    writeFileSync(
      path,
      stringify({ routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, destinations }] }),
    );
    const result = await runCli(['validate', '--config', path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'routes[0].destinations[0].live: Slack incoming webhooks cannot edit a posted message',
    );
    expect(result.stderr).toContain(
      'routes[0].destinations[1].live: Teams Workflows cannot edit a posted card',
    );
  });
});
