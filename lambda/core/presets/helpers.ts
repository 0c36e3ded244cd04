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
