// Helpers shared by the presets. Destinations reject over-long fields, so every free text goes
// through truncate(). Lengths count UTF-16 units, which are never fewer than code points: a text
// that fits in units fits whichever way the service counts (Discord counts both).
import type { EventView } from '../event-view';

/** What a preset reads: the flat event view, the payload as received, the destination's secrets. */
export interface PresetInput {
  event: EventView;
  payload: Record<string, unknown>;
  secrets: Readonly<Record<string, string>>;
}

/** Builds the JSON value sent to the destination (undefined members are left out). */
export type Preset = (input: PresetInput) => unknown;

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The longest prefix of at most `max` UTF-16 units that ends between two graphemes (so an
 *  emoji, a flag or a letter with its accents is kept whole or dropped whole). A first grapheme
 *  longer than `max` (a letter under thousands of combining marks) is cut between code points. */
export function firstUnits(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = 0;
  for (const { index, segment } of GRAPHEMES.segment(value)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  if (end === 0 && max > 0) end = isHighSurrogate(value.charCodeAt(max - 1)) ? max - 1 : max;
  return value.slice(0, end);
}

/** At most `max` UTF-16 units (so at most `max` code points), the last one an ellipsis when
 *  something was cut. */
export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${firstUnits(value, max - 1)}…`;
}

/** The size of a value as JSON text, in UTF-8 bytes: what the services' byte limits count. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** Deeper than this, a value counts as too big: JSON.stringify overflows its stack somewhere
 *  past 2,000 levels, which JSON.parse accepts (HashiCorp's payloads are 4 deep). */
export const JSON_DEPTH_MAX = 1000;

/** An upper bound of jsonBytes() of a parsed JSON value (a UTF-16 unit is at most 6 bytes, as
 *  `\u0001`), found an order of magnitude faster than serializing it, without recursion. Stops
 *  counting once past `limit`; a value nested deeper than JSON_DEPTH_MAX is Infinity. */
export function jsonBytesBound(root: unknown, limit: number): number {
  let total = 0;
  // Pairs of a value and its depth.
  const pending: unknown[] = [root, 0];
  while (pending.length > 0 && total <= limit) {
    const depth = pending.pop() as number;
    const value = pending.pop();
    if (typeof value === 'string') total += 6 * value.length + 2;
    else if (typeof value === 'number') total += 24;
    else if (value === null || typeof value !== 'object') total += 5;
    else if (depth >= JSON_DEPTH_MAX) return Number.POSITIVE_INFINITY;
    else if (Array.isArray(value)) {
      total += 2 + value.length;
      for (const item of value) pending.push(item, depth + 1);
    } else {
      total += 2;
      for (const [key, item] of Object.entries(value)) {
        total += 6 * key.length + 4;
        pending.push(item, depth + 1);
      }
    }
  }
  return total;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** Unix seconds as `2024-01-31T12:00:00Z` (UTC, no fraction), or undefined without a time. */
export function isoSeconds(epoch: number | null): string | undefined {
  if (epoch === null) return undefined;
  const date = new Date(epoch * 1000);
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}Z`
  );
}

/** Joins the parts that are not undefined (an empty string still counts, as in JSONata). */
export function joinPresent(parts: ReadonlyArray<string | undefined>, separator: string): string {
  return parts.filter((part) => part !== undefined).join(separator);
}

/** The error block of an enriched errored run ("Error (apply)" and the log excerpt), or null
 *  without an excerpt (the status alone is already the message and a fact). Log text: escape it. */
export function errorBlock(e: EventView): { title: string; excerpt: string } | null {
  const excerpt = e.error?.excerpt;
  if (!excerpt) return null;
  return { title: e.error?.phase ? `Error (${e.error.phase})` : 'Error', excerpt };
}

/** The enrichment's fields as structured data (generic, github-dispatch), or null without one. */
export function enrichmentOf(e: EventView): Record<string, unknown> | null {
  if (e.workspace_tags === undefined) return null;
  return {
    plan: e.plan ?? null,
    apply: e.apply ?? null,
    cost: e.cost ?? null,
    policy: e.policy ?? null,
    error: e.error ?? null,
    workspace_tags: e.workspace_tags,
  };
}
