// Helpers shared by the presets. Destinations reject over-long fields, so every free text goes
// through truncate(). Lengths count code points, as the JSONata presets they replace did.
import type { EventView } from '../event-view';

/** What a preset reads: the flat event view, the payload as received, the destination's secrets. */
export interface PresetInput {
  event: EventView;
  payload: Record<string, unknown>;
  secrets: Readonly<Record<string, string>>;
}

/** Builds the JSON value sent to the destination (undefined members are left out). */
export type Preset = (input: PresetInput) => unknown;

/** At most `max` code points, the last one an ellipsis when something was cut. */
export function truncate(value: string, max: number): string {
  // A string's UTF-16 length is never below its code point count: most strings stop here.
  if (value.length <= max) return value;
  const points = Array.from(value);
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : value;
}

/** The first `max` code points. */
export function firstCodePoints(value: string, max: number): string {
  if (value.length <= max) return value;
  return Array.from(value).slice(0, max).join('');
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
