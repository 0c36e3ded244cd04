// A run's timeline: the steps its notifications reported (status, HashiCorp's label, time), merged
// from what was stored and what the current notification says. The merge is deterministic, so a
// retried attempt, or the same notification twice, produces exactly the same edit.
import type { Notification } from '../../receive/payloads';

export interface TimelineStep {
  /** run_updated_at as the payload says it (ISO 8601), or '' when it does not. */
  at: string;
  /** run_status: planning, applying, errored... */
  status: string;
  /** HashiCorp's label: "Run Planning", "Run Errored". */
  message: string;
}

/** Steps kept per run: a run has about ten; a hostile body with thousands of entries keeps the
 *  first and the latest ones. */
export const MAX_TIMELINE_STEPS = 40;
const MAX_FIELD_CHARS = 80;

const field = (value: unknown): string =>
  typeof value === 'string' ? value.replace(/\p{Cc}+/gu, ' ').slice(0, MAX_FIELD_CHARS) : '';

/** The run a notification belongs to (run payloads only): what its live message is keyed by. */
export function runIdOf(notification: Notification): string | null {
  if (notification.kind !== 'run') return null;
  const id = notification.payload.run_id;
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(id) ? id : null;
}

/** The steps of one notification body (a roll-up carries several). */
export function stepsOf(notification: Notification): TimelineStep[] {
  const entries = notification.payload.notifications;
  if (!Array.isArray(entries)) return [];
  return entries
    .slice(-MAX_TIMELINE_STEPS)
    .filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
    .map((entry) => ({
      at: field(entry.run_updated_at),
      status: field(entry.run_status) || field(entry.trigger),
      message: field(entry.message),
    }))
    .filter((step) => step.status !== '' || step.message !== '');
}

const keyOf = (step: TimelineStep) => `${step.at}\u0000${step.status}\u0000${step.message}`;
const timeOf = (step: TimelineStep) => {
  const ms = Date.parse(step.at);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
};

/** Stored steps plus new ones, without duplicates, in time order (steps without a time last, in
 *  arrival order); past MAX_TIMELINE_STEPS the first step and the latest ones are kept. */
export function mergeTimeline(
  stored: readonly TimelineStep[],
  added: readonly TimelineStep[],
): TimelineStep[] {
  const seen = new Set<string>();
  const merged: TimelineStep[] = [];
  for (const step of [...stored, ...added]) {
    const key = keyOf(step);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(step);
  }
  merged.sort((a, b) => {
    const difference = timeOf(a) - timeOf(b);
    return Number.isNaN(difference) ? 0 : difference; // both untimed: arrival order (stable sort)
  });
  if (merged.length <= MAX_TIMELINE_STEPS) return merged;
  return [merged[0] as TimelineStep, ...merged.slice(-(MAX_TIMELINE_STEPS - 1))];
}

/** Steps of `added` that `stored` does not have yet (what a thread still has to reply). */
export function newSteps(stored: readonly TimelineStep[], added: readonly TimelineStep[]): TimelineStep[] {
  const known = new Set(stored.map(keyOf));
  return added.filter((step) => !known.has(keyOf(step)));
}

/** `2020-09-09 07:40:15 UTC` from an ISO time; the text as given when it is not one. */
function clock(at: string): string {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return at === '' ? '—' : at;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** One line per step, oldest first: `2020-09-09 07:40:15 UTC  planning (Run Planning)`. */
export function timelineLines(timeline: readonly TimelineStep[]): string[] {
  return timeline.map((step) => {
    const label = step.message && step.message !== step.status ? ` (${step.message})` : '';
    return `${clock(step.at)}  ${step.status || '—'}${label}`;
  });
}

/** The heading above the lines, with the count of steps. */
export const timelineTitle = (timeline: readonly TimelineStep[]): string =>
  `Timeline (${timeline.length} ${timeline.length === 1 ? 'step' : 'steps'})`;
