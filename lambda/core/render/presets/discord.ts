// Discord webhook: one embed coloured by outcome, with the facts as inline fields. Discord
// renders markdown, masked links `[x](url)` and mentions `<@id>` `<@&id>` `<#id>` in an embed's
// title, description and fields (not in its author or footer), so payload text there has every
// character that can start one escaped with a backslash, which Discord shows as the character.
// Mentions are also disabled, so nothing can ping even if escaping missed.
import type { Outcome } from '../event-view';
import { errorBlock, firstUnits, isoSeconds, type Preset, truncate } from './helpers';

interface DiscordEmbed {
  author: { name: string };
  title: string;
  url?: string;
  description?: string;
  color: number;
  fields: Array<{ name: string; value: string; inline: boolean }>;
  footer: { text: string };
  timestamp?: string;
}
export interface DiscordMessage {
  allowed_mentions: { parse: [] };
  embeds: [DiscordEmbed];
}

const COLORS: Record<Outcome, number> = {
  failure: 14431557,
  warning: 16098851,
  success: 3061373,
  info: 8078012,
};

// Discord's embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits).
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 4096;
const FIELDS_MAX = 25;
const FIELD_NAME_MAX = 256;
const FIELD_VALUE_MAX = 1024;
const EMBED_MAX = 6000;
const SUBJECT_MAX = 256;
const FOOTER_MAX = 256;
const ERROR_MAX = 1000;

/** Markdown, links, mentions (`<@`, `<#`, `<t:`, `<:emoji:`), headings, quotes, `@everyone`. */
const SPECIAL = /[\\*_~|`<>[\]()#@]/g;
const HAS_SPECIAL = /[\\*_~|`<>[\]()#@]/;
/** List markers only count at the start of a line: `- `, `+ `, `1. `. */
const LIST_MARKER = /^([ \t]*)([-+]|\d+(?=\.))(\.?)/gm;
const HAS_LIST_MARKER = /^[ \t]*([-+]|\d+\.)/m;

/** Discord shows `\X` as X for any ASCII punctuation X. (A test before each replace: most
 *  texts have nothing to escape, and a test costs a fraction of a replace.) */
export function escapeMarkdown(value: string): string {
  const escaped = HAS_SPECIAL.test(value) ? value.replace(SPECIAL, '\\$&') : value;
  if (!HAS_LIST_MARKER.test(escaped)) return escaped;
  return escaped.replace(LIST_MARKER, (_, space: string, mark: string, dot: string) =>
    dot ? `${space}${mark}\\.` : `${space}\\${mark}`,
  );
}

/** The subject is a name: on one line, so its bold stays on the description's first line. */
const oneLine = (value: string): string => value.replace(/[\r\n\u2028\u2029]+/g, ' ');

/** truncate() for escaped text: never ends in half an escape (a lone backslash). */
function truncateEscaped(value: string, max: number): string {
  if (value.length <= max) return value;
  let kept = firstUnits(value, max - 1);
  const backslashes = kept.length - kept.replace(/\\+$/, '').length;
  if (backslashes % 2 === 1) kept = kept.slice(0, -1);
  return `${kept}…`;
}

/** Escaped payload text of at most `max` units (cut first: escaping a megabyte is wasted). */
const escaped = (value: string, max: number): string =>
  truncateEscaped(escapeMarkdown(truncate(value, max)), max);

const sum = (values: string[]) => values.reduce((total, value) => total + value.length, 0);

export const discordPreset: Preset = ({ event: e }): DiscordMessage => {
  const title = escaped(e.message, TITLE_MAX);
  const author = truncate(e.source, 256);
  const footer = truncate(e.trigger ? e.trigger : e.kind, FOOTER_MAX);
  const facts = e.facts.slice(0, FIELDS_MAX);
  const names = facts.map(({ title }) => escaped(title, FIELD_NAME_MAX));
  // The 6000-character embed total: fields take at most half of what is left, the description
  // the rest. Lengths are UTF-16 units, never fewer than code points, so both counts fit.
  const room = EMBED_MAX - title.length - author.length - footer.length - sum(names);
  let values = facts.map(({ value }) => escaped(value, FIELD_VALUE_MAX));
  if (sum(values) > room / 2) {
    const each = Math.max(16, Math.floor(room / 2 / facts.length));
    values = values.map((value) => truncateEscaped(value, each));
  }
  let left = Math.min(DESCRIPTION_MAX, room - sum(values));
  const description: string[] = [];
  if (e.subject && left > 8) {
    const subject = `**${escaped(oneLine(truncate(e.subject, SUBJECT_MAX)), Math.min(SUBJECT_MAX, left - 4))}**`;
    description.push(subject);
    left -= subject.length + 1;
  }
  const error = errorBlock(e);
  if (error && left > 40) {
    // Before the details: the error is what a reader of a failed run looks for first.
    const text = `**${error.title}**\n${escaped(error.excerpt, Math.min(ERROR_MAX, left - error.title.length - 6))}`;
    description.push(text);
    left -= text.length + 1;
  }
  if (e.details && left > 1) description.push(escaped(e.details, left));
  const timestamp = isoSeconds(e.epoch);
  const embed: DiscordEmbed = {
    author: { name: author },
    title,
    ...(e.url ? { url: e.url } : {}),
    ...(description.length > 0 ? { description: description.join('\n') } : {}),
    color: COLORS[e.outcome],
    fields: facts.map((_, i) => ({ name: names[i] ?? '', value: values[i] ?? '', inline: true })),
    footer: { text: footer },
    ...(timestamp ? { timestamp } : {}),
  };
  return { allowed_mentions: { parse: [] }, embeds: [embed] };
};
