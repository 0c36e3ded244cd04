// Microsoft Teams Workflows webhook ("Post card in a chat or channel"): a message whose one
// attachment is an Adaptive Card 1.4. The retired connector MessageCard format is not used.
// Teams renders markdown (links included) in TextBlocks and FactSet values but not in TextRuns
// (Adaptive Cards schema: "Markdown is not supported"), so every payload text is a TextRun of a
// RichTextBlock; the only TextBlock is our own date line.
import type { EventView, Outcome } from '../event-view';
import { errorBlock, isoSeconds, joinPresent, jsonBytes, type Preset, truncate } from './helpers';

interface TextRun {
  type: 'TextRun';
  text: string;
  size?: 'Small' | 'Large';
  weight?: 'Bolder';
  color?: string;
  isSubtle?: true;
}
interface RichTextBlock {
  type: 'RichTextBlock';
  inlines: TextRun[];
  spacing?: 'None' | 'Small';
}
interface TextBlock {
  type: 'TextBlock';
  text: string;
  size: 'Small';
  isSubtle: true;
  wrap: true;
}
interface Container {
  type: 'Container';
  style: string;
  bleed: true;
  items: RichTextBlock[];
}
export interface TeamsMessage {
  type: 'message';
  attachments: Array<{
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: {
      $schema: string;
      type: 'AdaptiveCard';
      version: '1.4';
      msteams: { width: 'Full' };
      body: Array<Container | RichTextBlock | TextBlock>;
      actions?: Array<{ type: 'Action.OpenUrl'; title: string; url: string }>;
    };
  }>;
}

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

/** Teams refuses a message over 28 KB (the whole request body); we stay under this. */
export const MAX_TEAMS_BYTES = 28_000;
/** JSON bytes of the card without its texts, with room to spare (a test checks it). */
const SKELETON_BYTES = 6_000;
/** Text caps at full size; a card still too big is rebuilt at a fraction of them. */
const CAPS = { line: 300, message: 500, subject: 500, details: 4000, fact: 500, error: 500 };
const SCALES = [1, 0.25, 0.05];
const FACTS_MAX = 12;

/** Payload text for a TextRun, cut to `max`. Teams turns `{{DATE(...)}}` and `{{TIME(...)}}`
 *  into dates even in a TextRun: a zero-width space between the braces keeps the text as typed. */
function safe(text: string, max: number): string {
  const cut = truncate(text, max);
  return cut.includes('{{') ? cut.replaceAll('{{', '{\u200b{') : cut;
}

const block = (inlines: TextRun[], spacing?: 'None' | 'Small'): RichTextBlock =>
  spacing ? { type: 'RichTextBlock', inlines, spacing } : { type: 'RichTextBlock', inlines };

function cardBody(e: EventView, scale: number): Array<Container | RichTextBlock | TextBlock> {
  const cap = (max: number) => Math.max(8, Math.floor(max * scale));
  const line = joinPresent([e.source, e.trigger ?? undefined], ' · ');
  const color = COLORS[e.outcome];
  const body: Array<Container | RichTextBlock | TextBlock> = [
    {
      type: 'Container',
      style: STYLES[e.outcome],
      bleed: true,
      items: [
        block([{ type: 'TextRun', text: safe(line, cap(CAPS.line)), size: 'Small', isSubtle: true }]),
        block(
          [
            {
              type: 'TextRun',
              text: safe(e.message, cap(CAPS.message)),
              size: 'Large',
              weight: 'Bolder',
              color,
            },
          ],
          'None',
        ),
      ],
    },
  ];
  if (e.subject)
    body.push(block([{ type: 'TextRun', text: safe(e.subject, cap(CAPS.subject)), weight: 'Bolder' }]));
  if (e.details) body.push(block([{ type: 'TextRun', text: safe(e.details, cap(CAPS.details)) }]));
  const factMax = cap(CAPS.fact);
  for (const { title, value } of e.facts.slice(0, FACTS_MAX)) {
    const name: TextRun = { type: 'TextRun', text: `${title}: `, weight: 'Bolder' };
    body.push(block([name, { type: 'TextRun', text: safe(value, factMax) }], 'Small'));
  }
  const error = errorBlock(e);
  if (error) {
    const title: TextRun = {
      type: 'TextRun',
      text: `${error.title}: `,
      weight: 'Bolder',
      color: 'Attention',
    };
    body.push(block([title, { type: 'TextRun', text: safe(error.excerpt, cap(CAPS.error)) }]));
  }
  // Ours, and a TextBlock because Teams shows DATE/TIME in the reader's own time zone.
  const when = isoSeconds(e.epoch);
  if (when) {
    body.push({
      type: 'TextBlock',
      text: `{{DATE(${when}, SHORT)}} {{TIME(${when})}}`,
      size: 'Small',
      isSubtle: true,
      wrap: true,
    });
  }
  return body;
}

function message(e: EventView, scale: number): TeamsMessage {
  const content: TeamsMessage['attachments'][number]['content'] = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    msteams: { width: 'Full' },
    body: cardBody(e, scale),
  };
  if (e.url) content.actions = [{ type: 'Action.OpenUrl', title: e.url_label ?? 'Open', url: e.url }];
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

/** An upper bound of the card's size without serializing it: at most 6 bytes a UTF-16 unit. */
function sizeBound(e: EventView): number {
  let units = e.source.length + (e.trigger?.length ?? 0) + e.message.length + (e.url?.length ?? 0);
  units += (e.subject?.length ?? 0) + (e.details?.length ?? 0) + (e.url_label?.length ?? 0);
  for (const { title, value } of e.facts) units += title.length + value.length;
  const error = errorBlock(e);
  if (error) units += error.title.length + error.excerpt.length;
  return SKELETON_BYTES + 6 * units;
}

export const teamsPreset: Preset = ({ event: e }): TeamsMessage => {
  let card = message(e, 1);
  if (sizeBound(e) <= MAX_TEAMS_BYTES) return card;
  for (const scale of SCALES.slice(1)) {
    if (jsonBytes(card) <= MAX_TEAMS_BYTES) break;
    card = message(e, scale);
  }
  return card;
};
