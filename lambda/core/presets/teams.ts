// Microsoft Teams Workflows webhook ("Post card in a chat or channel"): a message whose one
// attachment is an Adaptive Card 1.4. The retired connector MessageCard format is not used.
import type { Outcome } from '../event-view';
import { isoSeconds, joinPresent, type Preset, truncate } from './helpers';

const STYLES: Record<Outcome, string> = {
  failure: 'attention',
  warning: 'warning',
  success: 'good',
  info: 'accent',
};
const COLORS: Record<Outcome, string> = {
  failure: 'Attention',
  warning: 'Warning',
  success: 'Good',
  info: 'Accent',
};

export const teamsPreset: Preset = ({ event: e }) => {
  const when = isoSeconds(e.epoch);
  const body: unknown[] = [
    {
      type: 'Container',
      style: STYLES[e.outcome],
      bleed: true,
      items: [
        {
          type: 'TextBlock',
          text: joinPresent([e.source, e.trigger ? e.trigger : undefined], ' · '),
          size: 'Small',
          isSubtle: true,
          wrap: true,
        },
        {
          type: 'TextBlock',
          text: truncate(e.message, 500),
          size: 'Large',
          weight: 'Bolder',
          color: COLORS[e.outcome],
          wrap: true,
          spacing: 'None',
        },
      ],
    },
  ];
  if (e.subject) body.push({ type: 'TextBlock', text: e.subject, weight: 'Bolder', wrap: true });
  if (e.details) body.push({ type: 'TextBlock', text: truncate(e.details, 4000), wrap: true });
  if (e.facts.length > 0) {
    body.push({ type: 'FactSet', facts: e.facts.map(({ title, value }) => ({ title, value })) });
  }
  // Teams shows DATE/TIME in the reader's own time zone.
  if (when) {
    body.push({
      type: 'TextBlock',
      text: `{{DATE(${when}, SHORT)}} {{TIME(${when})}}`,
      size: 'Small',
      isSubtle: true,
      wrap: true,
    });
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          actions: e.url ? [{ type: 'Action.OpenUrl', title: e.url_label, url: e.url }] : undefined,
        },
      },
    ],
  };
};
