// Slack incoming webhook: a `text` fallback (notifications, screen readers) and Block Kit blocks
// with an outcome emoji, the workspace linked to the run, details, fields and a button.
import type { Outcome } from '../event-view';
import { isoSeconds, joinPresent, type Preset, truncate } from './helpers';

const ICONS: Record<Outcome, string> = {
  failure: ':red_circle:',
  warning: ':large_yellow_circle:',
  success: ':large_green_circle:',
  info: ':large_blue_circle:',
};

/** Slack mrkdwn treats & < > as control characters. */
const escapeMrkdwn = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export const slackPreset: Preset = ({ event: e }) => {
  const icon = ICONS[e.outcome];
  const where = e.subject
    ? e.url
      ? `*<${e.url}|${escapeMrkdwn(e.subject)}>*`
      : `*${escapeMrkdwn(e.subject)}*`
    : undefined;
  const what = e.details ? escapeMrkdwn(e.details) : undefined;
  const when = e.epoch
    ? `<!date^${e.epoch}^{date_short_pretty} at {time}|${isoSeconds(e.epoch)}>`
    : undefined;
  const blocks: unknown[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${icon} ${e.message}`, 150), emoji: true },
    },
  ];
  if (where || what) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(joinPresent([where, what], '\n'), 3000) },
    });
  }
  if (e.facts.length > 0) {
    blocks.push({
      type: 'section',
      fields: e.facts.slice(0, 10).map(({ title, value }) => ({
        type: 'mrkdwn',
        text: truncate(`*${title}*\n${escapeMrkdwn(value)}`, 2000),
      })),
    });
  }
  // Inline code (backticks): trigger names read as identifiers.
  const trigger = e.trigger ? `\`${escapeMrkdwn(e.trigger)}\`` : undefined;
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: joinPresent([e.source, trigger, when], ' · ') }],
  });
  if (e.url) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: e.url_label }, url: e.url }],
    });
  }
  return { text: truncate(`${icon} ${escapeMrkdwn(e.summary)}`, 3000), blocks };
};
