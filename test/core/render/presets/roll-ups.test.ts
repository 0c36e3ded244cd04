// A request that rolls several events of a run into `notifications[]` says what the latest
// event says, is red if any event failed, and lists every event (docs/destinations.md#roll-ups).
// Before issue 14 the first entry decided: "Run Planning" in red, GitHub `event_type`
// run:planning, so a workflow listening for run:errored never ran.
import { describe, expect, it } from 'vitest';
import { bodyOf, renderPreset as render } from './render';

const ROLL_UP = bodyOf('synthetic-run-roll-up');
const EVENTS = 'Run Planning → Run Needs Attention → Run Errored';

describe('a roll-up of planning, needs attention and errored', () => {
  it('dispatches the latest event to GitHub, so a run:errored workflow fires', async () => {
    const dispatch = await render('github-dispatch', ROLL_UP);
    expect(dispatch.event_type).toBe('run:errored');
    expect(dispatch.client_payload).toMatchObject({
      trigger: 'run:errored',
      status: 'errored',
      outcome: 'failure',
    });
    // Every event stays readable in the original payload.
    expect(dispatch.client_payload.raw.notifications.map((n: { trigger: string }) => n.trigger)).toEqual([
      'run:planning',
      'run:errored',
      'run:needs_attention',
    ]);
  });

  it('opens a PagerDuty error classed as the latest event, listing all of them', async () => {
    const event = await render('pagerduty', ROLL_UP);
    expect(event.event_action).toBe('trigger');
    expect(event.payload).toMatchObject({
      summary: 'Run Errored in acme-org/my-workspace',
      severity: 'error',
      class: 'run:errored',
      timestamp: '2024-03-04T10:03:00Z',
    });
    expect(event.payload.custom_details.Events).toBe(EVENTS);
  });

  it('titles the chat messages with the latest event and lists every event', async () => {
    const slack = await render('slack', ROLL_UP);
    expect(slack.blocks[0].text.text).toBe(':red_circle: Run Errored');
    expect(JSON.stringify(slack)).toContain(`Events\\n${EVENTS}`);
    const discord = (await render('discord', ROLL_UP)).embeds[0];
    expect(discord.title).toBe('Run Errored');
    expect(discord.fields).toContainEqual({ name: 'Events', value: EVENTS, inline: true });
    const teams = JSON.stringify(await render('teams', ROLL_UP));
    expect(teams).toContain('"text":"Run Errored"');
    expect(teams).toContain(EVENTS);
  });
});
