// Payload text reaches people as typed: the presets turn none of it into links, mentions or
// formatting (issue 14: Teams markdown links, Discord masked links and mention pills, Slack's
// product name and run URL).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown } from '../../../../lambda/core/render/presets/discord';
import { fixture } from '../../../support/fixtures';
import { MARKUP, runWith } from '../../../support/preset-samples';
import { bodyOf, type Rendered, renderPreset as render } from './render';

const LINK = '[click](https://evil.example)';
const hostileRun = runWith((field) => `${field} ${LINK} <@123456789012345678> <!channel>`);
const changeRequest = {
  ...JSON.parse(fixture('team-change-request.assembled')),
  change_request_subject: `Rotate ${LINK}`,
  change_request_message: `Please [log in](https://evil.example/login) to approve`,
  change_request_created_by: `[admin](https://evil.example)`,
};

/** Every string in a rendered message, with where it is. */
function stringsOf(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsOf(item, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => stringsOf(item, `${path}.${key}`));
  }
  return [];
}

describe('teams', () => {
  it.each([
    ['a run', hostileRun],
    ['a change request', changeRequest],
  ])('puts the text of %s only in TextRuns, which Teams does not read as markdown', async (_, body) => {
    const card: Rendered = await render('teams', body);
    const withLink = stringsOf(card).filter(([, text]) => text.includes('](https://evil.example'));
    expect(withLink.length).toBeGreaterThan(0);
    for (const [path] of withLink) expect(path).toMatch(/\.inlines\[\d+\]\.text$/);
    expect(JSON.stringify(card)).not.toContain('"FactSet"');
  });

  it('keeps date functions in payload text as typed', async () => {
    const card: Rendered = await render(
      'teams',
      runWith(() => '{{DATE(2024-01-01T00:00:00Z, SHORT)}}'),
    );
    const runs = stringsOf(card).filter(([path]) => path.endsWith('.text') && path.includes('inlines'));
    for (const [, text] of runs) expect(text).not.toContain('{{DATE(');
    expect(runs.some(([, text]) => text.includes('{\u200b{DATE('))).toBe(true);
  });

  it('keeps its own link: the action to the run', async () => {
    const card: Rendered = await render('teams', fixture('tfe-run-errored'));
    expect(card.attachments[0].content.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'View run',
        url: 'https://app.terraform.io/app/acme-org/my-workspace/runs/run-FwnENkvDnrpyFC7M',
      },
    ]);
  });
});

describe('discord', () => {
  it('escapes masked links and mentions in the description and in field values', async () => {
    const embed = (await render('discord', hostileRun)).embeds[0];
    expect(embed.description).toContain('\\[click\\]\\(https://evil.example\\)');
    expect(embed.description).toContain('\\<\\@123456789012345678\\>');
    const by = embed.fields.find((field: { name: string }) => field.name === 'By');
    expect(by.value).toBe(
      'run\\_updated\\_by \\[click\\]\\(https://evil.example\\) \\<\\@123456789012345678\\> \\<!channel\\>',
    );
  });

  it('escapes role, channel, timestamp and emoji syntax, headings, quotes and lists', () => {
    expect(escapeMarkdown('<@&1> <#2> <t:3:R> <:e:4>')).toBe('\\<\\@&1\\> \\<\\#2\\> \\<t:3:R\\> \\<:e:4\\>');
    expect(escapeMarkdown('# h\n> q\n- a\n  + b\n10. c\n-# s')).toBe(
      '\\# h\n\\> q\n\\- a\n  \\+ b\n10\\. c\n\\-\\# s',
    );
  });

  it('escapes so that Discord shows exactly the original text', () => {
    const shown = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(shown(escapeMarkdown(text))).toBe(text);
      }),
    );
    expect(shown(escapeMarkdown(MARKUP))).toBe(MARKUP);
  });
});

describe('slack', () => {
  it('names no product after an HCP event_source it does not know', async () => {
    const event = JSON.parse(bodyOf('synthetic-hcp-unknown-source'));
    const message: Rendered = await render('slack', { ...event, event_source: 'hashicorp.<!channel>.addon' });
    expect(message.text).toMatch(/^:large_blue_circle: HCP: /);
    const context = message.blocks.find((block: { type: string }) => block.type === 'context');
    expect(context.elements[0]).toEqual({
      type: 'plain_text',
      text: 'HCP · hashicorp.<!channel>.addon:create',
      emoji: false,
    });
  });

  it('passes a run URL with > and | as a JSON field, normalized, never inside <url|label>', async () => {
    const url = 'https://app.terraform.io/app/acme-org/my-workspace/runs/run-1?next=>|<!channel>';
    const message: Rendered = await render(
      'slack',
      runWith(() => 'x', url),
    );
    const normalized =
      'https://app.terraform.io/app/acme-org/my-workspace/runs/run-1?next=%3E|%3C!channel%3E';
    const rich = message.blocks.find((block: { type: string }) => block.type === 'rich_text');
    expect(rich.elements[0].elements[0]).toEqual({
      type: 'link',
      text: 'x/x',
      url: normalized,
      style: { bold: true },
    });
    const mrkdwn = stringsOf(message).filter(([path]) => !path.endsWith('.url'));
    for (const [, text] of mrkdwn) expect(text).not.toContain('<https');
  });

  it('escapes & < > in the fallback text, the one string Slack parses', async () => {
    const message: Rendered = await render('slack', hostileRun);
    expect(message.text).toContain('&lt;!channel&gt;');
    expect(message.text).not.toMatch(/<|>/);
  });
});
