// What the presets decide, beyond shape: PagerDuty's trigger/resolve and dedup keys, and colours
// by outcome.
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../support/fixtures';
import { EXAMPLE_ROUTING_KEY, runWith } from '../../../support/preset-samples';
import { bodyOf, renderPreset as render } from './render';

describe('the pagerduty preset', () => {
  it.each([
    ['tfe-run-errored', 'trigger', 'error', 'tfe-bridge/acme-org/my-workspace'],
    ['synthetic-run-needs-attention', 'trigger', 'warning', 'tfe-bridge/acme-org/my-workspace'],
    ['assessment-drifted', 'trigger', 'error', 'tfe-bridge/acme-org/my-workspace'],
    ['tfe-run-planned', 'resolve', undefined, 'tfe-bridge/acme-org/my-workspace'],
    ['workspace-auto-destroy-reminder', 'trigger', 'warning', 'tfe-bridge/acme-org/learned-english-dog'],
    ['workspace-auto-destroy-results', 'resolve', undefined, 'tfe-bridge/acme-org/learned-english-dog'],
    ['tfe-run-created-captured', 'resolve', undefined, 'tfe-bridge/org1/tf-aws-simple/info'],
    ['hcp-packer-version-assigned', 'resolve', undefined, 'tfe-bridge/test/info'],
    ['synthetic-unrecognized', 'resolve', undefined, 'tfe-bridge/(no subject)/unknown/info'],
    ['synthetic-all-null-errored', 'trigger', 'error', undefined],
  ])('sends %s as %s (severity %s) with dedup key %s', async (name, action, severity, key) => {
    const event = await render('pagerduty', bodyOf(name));
    expect(event).toMatchObject({ routing_key: EXAMPLE_ROUTING_KEY, event_action: action });
    expect(event.dedup_key).toBe(key);
    expect(event.payload?.severity).toBe(severity);
  });

  it('resolves the incident an errored run opened when a later run of the workspace completes', async () => {
    const opened = await render('pagerduty', fixture('tfe-run-errored'));
    const closed = await render('pagerduty', fixture('tfe-run-planned'));
    expect([opened.event_action, closed.event_action]).toEqual(['trigger', 'resolve']);
    expect(closed.dedup_key).toBe(opened.dedup_key);
  });

  it('keeps each change request its own incident, which no run resolves', async () => {
    const request = await render('pagerduty', fixture('team-change-request.assembled'));
    expect(request.event_action).toBe('trigger');
    expect(request.dedup_key).toMatch(/^tfe-bridge\/acme-org\/my-workspace\/change-request\/https:/);
  });

  // HashiCorp's test payload has every field null: before, every such event had the key
  // `tfe-bridge/run`, so unrelated failures merged into one incident and any all-null success
  // resolved it.
  it('opens a separate alert for each failure that names nothing, and never resolves one', async () => {
    const errored = JSON.parse(bodyOf('synthetic-all-null-errored'));
    const other = { ...errored, notification_configuration_id: 'nc-other' };
    const first = await render('pagerduty', errored);
    const second = await render('pagerduty', other);
    expect([first.dedup_key, second.dedup_key]).toEqual([undefined, undefined]);
    const completed = { ...errored, notifications: [{ trigger: 'run:completed', run_status: 'applied' }] };
    const resolved = await render('pagerduty', completed);
    expect(resolved).toMatchObject({
      event_action: 'resolve',
      dedup_key: 'tfe-bridge/(no subject)/run/info',
    });
  });

  it('keys a run without a workspace by its run id', async () => {
    const body = { ...runWith(() => 'x'), workspace_name: null, organization_name: null, run_id: 'run-42' };
    expect((await render('pagerduty', body)).dedup_key).toBe('tfe-bridge/run-42');
  });

  it('keeps keys apart that share their first 255 characters', async () => {
    const request = JSON.parse(fixture('team-change-request.assembled'));
    const url = (id: string) => `${request.change_request_url}/${'x'.repeat(300)}${id}`;
    const a = await render('pagerduty', { ...request, change_request_url: url('a') });
    const b = await render('pagerduty', { ...request, change_request_url: url('b') });
    expect(a.dedup_key).toHaveLength(255);
    expect(b.dedup_key).toHaveLength(255);
    expect(a.dedup_key).not.toBe(b.dedup_key);
  });
});

describe('colour by outcome', () => {
  it.each([
    ['tfe-run-errored', ':red_circle:', 'attention', 14431557],
    ['assessment-drifted', ':red_circle:', 'attention', 14431557],
    ['synthetic-run-needs-attention', ':large_yellow_circle:', 'warning', 16098851],
    ['workspace-auto-destroy-reminder', ':large_yellow_circle:', 'warning', 16098851],
    ['tfe-run-completed-captured', ':large_green_circle:', 'good', 3061373],
    ['workspace-auto-destroy-results', ':large_green_circle:', 'good', 3061373],
    ['tfe-run-planning-captured', ':large_blue_circle:', 'accent', 8078012],
    ['hcp-vault-secrets-secret-created', ':large_blue_circle:', 'accent', 8078012],
  ])('%s: slack %s, teams %s, discord %i', async (name, emoji, style, color) => {
    const body = bodyOf(name);
    const slack = await render('slack', body);
    const teams = await render('teams', body);
    const discord = await render('discord', body);
    expect(slack.text.startsWith(emoji)).toBe(true);
    expect(JSON.stringify(teams)).toContain(`"style":"${style}"`);
    expect(discord.embeds[0]?.color).toBe(color);
  });
});
