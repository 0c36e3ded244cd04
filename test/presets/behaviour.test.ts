// What the presets decide, beyond shape: PagerDuty's trigger/resolve and dedup keys, escaping of
// payload text, and colours by outcome.
import { describe, expect, it } from 'vitest';
import { classifyPayload } from '../../lambda/core/payloads';
import { compileTemplate } from '../../lambda/core/templates';
import { fixture } from '../support/fixtures';
import { EXAMPLE_ROUTING_KEY, presetSamples, STRESS_SAMPLE } from '../support/preset-samples';

const bodyOf = (name: string) =>
  presetSamples().find((sample) => sample.name === name)?.body ?? fixture(name);

async function render(preset: string, body: string): Promise<Record<string, unknown>> {
  const text = await compileTemplate({ preset: preset as 'generic' })({
    body,
    notification: classifyPayload(JSON.parse(body)),
    secrets: { routingKey: EXAMPLE_ROUTING_KEY },
  });
  return JSON.parse(text);
}

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
    ['synthetic-unrecognized', 'resolve', undefined, 'tfe-bridge/unknown/info'],
  ])('sends %s as %s (severity %s) with dedup key %s', async (name, action, severity, key) => {
    const event = await render('pagerduty', bodyOf(name));
    expect(event).toMatchObject({ routing_key: EXAMPLE_ROUTING_KEY, event_action: action, dedup_key: key });
    expect((event.payload as { severity?: string } | undefined)?.severity).toBe(severity);
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
});

describe('escaping payload text', () => {
  it('slack: escapes &, < and > so payload text cannot inject links or mentions', async () => {
    const text = JSON.stringify(await render('slack', STRESS_SAMPLE.body));
    expect(text).toContain('&lt;script&gt;');
    expect(text).not.toContain('<script>');
  });

  it('discord: disables mentions and escapes markdown in names', async () => {
    const message = await render('discord', STRESS_SAMPLE.body);
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(message)).toContain('my\\\\_workspace');
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
    const slack = (await render('slack', body)) as { text: string };
    const teams = await render('teams', body);
    const discord = (await render('discord', body)) as { embeds: Array<{ color: number }> };
    expect(slack.text.startsWith(emoji)).toBe(true);
    expect(JSON.stringify(teams)).toContain(`"style":"${style}"`);
    expect(discord.embeds[0]?.color).toBe(color);
  });
});
