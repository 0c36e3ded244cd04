// Slack incoming webhook: a `text` fallback (notifications, screen readers) and Block Kit blocks
// with an outcome emoji, the subject linked to the run, details, facts, a context line and a
// button. Payload text only goes where Slack parses nothing: `plain_text` objects and rich_text
// `text`/`link` elements (the URL a JSON field, never inside `<url|label>`). The one string Slack
// parses as mrkdwn, the fallback `text`, has & < > escaped as Slack's formatting reference asks.
import type { Outcome } from '../event-view';
import { errorBlock, isoSeconds, joinPresent, type Preset, truncate } from './helpers';

interface PlainText {
  type: 'plain_text';
  text: string;
  emoji: boolean;
}
type RichTextPart =
  | { type: 'text'; text: string; style?: { bold: true } }
  | { type: 'link'; text: string; url: string; style: { bold: true } };
type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'rich_text'; elements: Array<{ type: 'rich_text_section'; elements: RichTextPart[] }> }
  | { type: 'section'; fields: PlainText[] }
  | { type: 'context'; elements: Array<PlainText | { type: 'mrkdwn'; text: string; verbatim: true }> }
  | { type: 'actions'; elements: Array<{ type: 'button'; text: PlainText; url: string }> };
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const ICONS: Record<Outcome, string> = {
  failure: ':red_circle:',
  warning: ':large_yellow_circle:',
  success: ':large_green_circle:',
  info: ':large_blue_circle:',
};

// Block Kit limits (docs.slack.dev/reference/block-kit): header 150, text objects 3000, section
// fields 10 of 2000, button text 75 and url 3000. rich_text documents none: text objects' 3000.
const HEADER_MAX = 150;
const TEXT_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
const SUBJECT_MAX = 300;
const FALLBACK_MAX = 1000;

/** Slack mrkdwn treats & < > as control characters (a mention is `<!channel>`). */
const escapeMrkdwn = (s: string): string =>
  /[&<>]/.test(s) ? s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;') : s;

/** Payload text, shown as typed: no emoji codes either. */
const plain = (text: string, max: number): PlainText => ({
  type: 'plain_text',
  text: truncate(text, max),
  emoji: false,
});

function describe(subject: string | null, url: string | null, details: string | null): SlackBlock[] {
  const parts: RichTextPart[] = [];
  if (subject) {
    const text = truncate(subject, SUBJECT_MAX);
    parts.push(
      url
        ? { type: 'link', text, url, style: { bold: true } }
        : { type: 'text', text, style: { bold: true } },
    );
  }
  if (details) parts.push({ type: 'text', text: truncate(`${subject ? '\n' : ''}${details}`, TEXT_MAX) });
  return parts.length > 0
    ? [{ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: parts }] }]
    : [];
}

export const slackPreset: Preset = ({ event: e }): SlackMessage => {
  const icon = ICONS[e.outcome];
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${icon} ${e.message}`, HEADER_MAX), emoji: true },
    },
    ...describe(e.subject, e.url, e.details),
  ];
  const error = errorBlock(e);
  if (error) {
    // rich_text `text` elements: Slack parses nothing in them, so log text shows as written.
    const parts: RichTextPart[] = [
      { type: 'text', text: `${error.title}\n`, style: { bold: true } },
      { type: 'text', text: truncate(error.excerpt, TEXT_MAX) },
    ];
    blocks.push({ type: 'rich_text', elements: [{ type: 'rich_text_section', elements: parts }] });
  }
  if (e.facts.length > 0) {
    blocks.push({
      type: 'section',
      fields: e.facts.slice(0, FIELDS_MAX).map(({ title, value }) => plain(`${title}\n${value}`, FIELD_MAX)),
    });
  }
  const context: Array<PlainText | { type: 'mrkdwn'; text: string; verbatim: true }> = [
    plain(joinPresent([e.source, e.trigger ?? undefined], ' · '), TEXT_MAX),
  ];
  // The date token is ours: Slack shows it in the reader's time zone.
  if (e.epoch) {
    const text = `<!date^${e.epoch}^{date_short_pretty} at {time}|${isoSeconds(e.epoch)}>`;
    context.push({ type: 'mrkdwn', text, verbatim: true });
  }
  blocks.push({ type: 'context', elements: context });
  if (e.url) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: plain(e.url_label ?? 'Open', 75), url: e.url }],
    });
  }
  return { text: `${icon} ${escapeMrkdwn(truncate(e.summary, FALLBACK_MAX))}`, blocks };
};
