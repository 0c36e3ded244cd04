// Discord webhook: one embed coloured by outcome, with the facts as inline fields. Mentions are
// disabled so text from a payload can never ping @everyone.
import type { Outcome } from '../event-view';
import { isoSeconds, joinPresent, type Preset, truncate } from './helpers';

const COLORS: Record<Outcome, number> = {
  failure: 14431557,
  warning: 16098851,
  success: 3061373,
  info: 8078012,
};

/** Discord markdown: escape what would turn names like my_workspace into formatting. */
const escapeMarkdown = (s: string): string => s.replace(/([\\*_~|])/g, '\\$1');

export const discordPreset: Preset = ({ event: e }) => {
  const description = joinPresent(
    [
      e.subject ? `**${escapeMarkdown(e.subject)}**` : undefined,
      e.details ? escapeMarkdown(e.details) : undefined,
    ],
    '\n',
  );
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        author: { name: e.source },
        title: truncate(e.message, 256),
        url: e.url ? e.url : undefined,
        description: description !== '' ? truncate(description, 4096) : undefined,
        color: COLORS[e.outcome],
        fields: e.facts.slice(0, 25).map(({ title, value }) => ({
          name: truncate(title, 256),
          value: truncate(value, 1024),
          inline: true,
        })),
        footer: { text: e.trigger ? e.trigger : e.kind },
        timestamp: isoSeconds(e.epoch),
      },
    ],
  };
};
