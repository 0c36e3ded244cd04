// Presets with an enrichment (issue 18): every one shows it, still meets its service's contract,
// and log text (hostile) goes through each preset's escaping like any payload text.
import { describe, expect, it } from 'vitest';
import type { Enrichment } from '../../../../lambda/core/enrich/run-details';
import { classifyPayload } from '../../../../lambda/core/receive/payloads';
import { compileTemplate } from '../../../../lambda/core/render/templates';
import { fixture } from '../../../support/fixtures';
import { EXAMPLE_ROUTING_KEY } from '../../../support/preset-samples';
import { TARGET_VALIDATORS } from '../../../support/target-api-schemas';
import type { Rendered } from './render';

const HOSTILE =
  'Error: <!channel> [click](https://evil.example) <@123456789012345678> {{DATE(2024-01-01T00:00:00Z, SHORT)}} *bold*';

const enrichment = (excerpt: string | null = 'Error: creating SQS Queue: AccessDenied'): Enrichment => ({
  plan: {
    add: 2,
    change: 1,
    destroy: 0,
    import: 0,
    summary: '+2 ~1 -0',
    has_changes: true,
    status: 'finished',
  },
  apply: { add: 1, change: 0, destroy: 0, import: null, summary: '+1 ~0 -0' },
  cost: { proposed_monthly: '25.488', delta_monthly: '25.488', prior_monthly: '0.0', status: 'finished' },
  policy: { outcome: 'mandatory_failed', mandatory_failed: ['restrict-public-ingress'], advisory_failed: [] },
  error: { status: 'errored', phase: 'apply', excerpt },
  workspace_tags: ['prod'],
});

const body = (() => {
  const payload = JSON.parse(fixture('tfe-run-errored'));
  payload.notifications[0].run_status = 'errored';
  payload.notifications[0].message = 'Run Errored';
  return JSON.stringify(payload);
})();

async function render(preset: string, with_: Enrichment | undefined): Promise<Rendered> {
  const text = await compileTemplate({ preset: preset as 'generic' })({
    body,
    notification: classifyPayload(JSON.parse(body)),
    secrets: { routingKey: EXAMPLE_ROUTING_KEY },
    ...(with_ ? { enrichment: with_ } : {}),
  });
  return JSON.parse(text);
}

describe.each(TARGET_VALIDATORS)('the %s preset with an enrichment', (preset, validate) => {
  it.each([
    ['an excerpt', enrichment()],
    ['a hostile excerpt', enrichment(HOSTILE)],
    ['a 500-character excerpt', enrichment('é'.repeat(500))],
    ['no excerpt', enrichment(null)],
  ])('meets its API contract with %s', async (_, value) => {
    expect(validate(await render(preset, value))).toEqual([]);
  });
});

describe('what each preset shows', () => {
  it('slack: a plan line, cost, policy and the error block; log text only where Slack parses nothing', async () => {
    const message = await render('slack', enrichment(HOSTILE));
    const fields = message.blocks
      .find((b: { type: string }) => b.type === 'section')
      .fields.map((f: { text: string }) => f.text);
    expect(fields).toEqual(
      expect.arrayContaining([
        'Plan\n+2 ~1 -0',
        'Apply\n+1 ~0 -0',
        'Cost\n25.488/mo (+25.488)',
        'Policy\nmandatory failed: restrict-public-ingress',
      ]),
    );
    const error = message.blocks.find(
      (b: Rendered) => b.type === 'rich_text' && b.elements[0].elements[0].text === 'Error (apply)\n',
    );
    expect(error.elements[0].elements[1]).toEqual({ type: 'text', text: HOSTILE });
    // The one mrkdwn string, the fallback, never carries the log.
    expect(message.text).not.toContain('<!channel>');
  });

  it('teams: the error in a TextRun, date functions kept as typed', async () => {
    const card = await render('teams', enrichment(HOSTILE));
    const runs = JSON.stringify(card.attachments[0].content.body);
    expect(runs).toContain('Error (apply): ');
    expect(runs).toContain('{\u200b{DATE(');
    expect(runs).toContain('Cost: ');
  });

  it('discord: the error escaped in the description, no mention parsed', async () => {
    const message = await render('discord', enrichment(HOSTILE));
    const embed = message.embeds[0];
    expect(embed.description).toContain(
      '**Error (apply)**\nError: \\<!channel\\> \\[click\\]\\(https://evil.example\\)',
    );
    expect(message.allowed_mentions).toEqual({ parse: [] });
    expect(embed.fields.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['Plan', 'Cost', 'Policy']),
    );
  });

  it('pagerduty: the error and the enrichment facts in custom_details', async () => {
    const event = await render('pagerduty', enrichment());
    expect(event.payload.custom_details).toMatchObject({
      error: 'Error (apply): Error: creating SQS Queue: AccessDenied',
      Plan: '+2 ~1 -0',
      Cost: '25.488/mo (+25.488)',
    });
  });

  it('generic and github-dispatch: structured fields (github-dispatch keeps 10 top-level keys)', async () => {
    const generic = await render('generic', enrichment());
    expect(generic.enrichment).toEqual({ ...enrichment(), workspace_tags: ['prod'] });
    const dispatch = await render('github-dispatch', enrichment());
    expect(Object.keys(dispatch.client_payload)).toHaveLength(10);
    expect(dispatch.client_payload.raw.tfe_bridge_enrichment.cost.proposed_monthly).toBe('25.488');
  });

  it.each(['slack', 'teams', 'discord', 'pagerduty', 'generic', 'github-dispatch'])(
    '%s renders as before without an enrichment',
    async (preset) => {
      const plain = JSON.stringify(await render(preset, undefined));
      expect(plain).not.toMatch(/enrichment|Error \(apply\)|25\.488/);
    },
  );
});
