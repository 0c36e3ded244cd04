// HashiCorp may roll several events of one run into a request (`notifications[]`). The latest
// entry says what the message says (the run's state now); any entry that failed keeps the
// message red (a failure is final, so it is the latest anyway, unless timestamps disagree);
// every entry is listed, oldest first. docs/destinations.md#roll-ups explains the rule.
import { isFailure } from './outcome';
import { type Json, list, text } from './read';

export interface RollUp {
  /** The entry that decides trigger, status, message, time and actor ({} when there is none). */
  latest: Json;
  /** The latest entry's own triggers (`trigger` and `trigger_type`), for its outcome. */
  triggers: string[];
  /** True when an entry other than the latest failed. */
  earlierFailure: boolean;
  /** "Run Planning → Run Errored" when there are several entries, else null. */
  events: string | null;
}

const triggersOf = (entry: Json): string[] =>
  [text(entry.trigger), text(entry.trigger_type)].filter((t): t is string => t !== null);

const timeOf = (entry: Json): number => {
  const ms = Date.parse(text(entry.run_updated_at) ?? '');
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
};

export function readRollUp(notifications: unknown): RollUp {
  const entries = list(notifications);
  // The common case, one entry, without the sort.
  if (entries.length <= 1) {
    const latest = entries[0] ?? {};
    return { latest, triggers: triggersOf(latest), earlierFailure: false, events: null };
  }
  // Oldest first; entries without a time keep their place before timed ones (a stable sort).
  const ordered = entries
    .map((entry, index) => ({ entry, index, time: timeOf(entry) }))
    .sort((a, b) => a.time - b.time || a.index - b.index);
  const latest = ordered.at(-1)?.entry ?? {};
  const earlier = ordered.slice(0, -1).map(({ entry }) => entry);
  return {
    latest,
    triggers: triggersOf(latest),
    earlierFailure: earlier.some((entry) => isFailure(triggersOf(entry), text(entry.run_status))),
    events: ordered
      .map(({ entry }) => text(entry.message) ?? text(entry.trigger) ?? 'Unnamed event')
      .join(' → '),
  };
}
