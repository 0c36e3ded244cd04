// Which destinations of a route get a notification. Every filter field that is set must match
// (AND); within a field, any listed value may match (OR). Values may use `*` as a wildcard.
import type { DestinationConfig, FilterConfig, RouteConfig } from '../config/schema';
import { text } from '../render/event-view/read';
import { readRollUp } from '../render/event-view/roll-up';
import type { Notification } from './payloads';

// go-tfe names the auto-destroy results trigger one way, the published payloads another.
const TRIGGER_ALIASES: Readonly<Record<string, string>> = {
  'workspace:auto_destroy_run_results': 'workspace:auto_destroy_results',
};
const canonicalTrigger = (trigger: string): string => TRIGGER_ALIASES[trigger] ?? trigger;

// Compiled once per pattern, not per request: patterns come from the config, so the map is
// bounded by it.
const compiled = new Map<string, RegExp>();

function globToRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    re = new RegExp(`^${escaped}$`);
    compiled.set(pattern, re);
  }
  return re;
}

const matchesAny = (patterns: readonly string[], values: readonly (string | undefined)[]): boolean =>
  patterns.some((pattern) => {
    const re = globToRegExp(pattern);
    return values.some((value) => value !== undefined && re.test(value));
  });

/** The filter fields decided here, from the payload alone. `workspaceTags` and `when` need the
 *  enrichment: the worker decides them before rendering (deliver/route-filter.ts). */
export function matchesFilter(filter: FilterConfig | undefined, notification: Notification): boolean {
  if (!filter) return true;
  const { triggers, workspaces, organizations, kinds, statuses } = filter;
  // A roll-up matches when its latest status does (the one its message shows), so a burst ending
  // in `discarded` is not let through by an earlier `planned`.
  if (statuses && !matchesAny(statuses, latestStatus(notification.payload))) return false;
  if (kinds && !kinds.includes(notification.kind as (typeof kinds)[number])) return false;
  if (triggers && !matchesAny(triggers.map(canonicalTrigger), notification.triggers.map(canonicalTrigger))) {
    return false;
  }
  if (workspaces && !matchesAny(workspaces, [notification.workspaceName, notification.workspaceId]))
    return false;
  if (organizations && !matchesAny(organizations, [notification.organization])) return false;
  return true;
}

export function selectDestinations(route: RouteConfig, notification: Notification): DestinationConfig[] {
  return route.destinations.filter((destination) => matchesFilter(destination.filter, notification));
}

/** The status the message shows: a roll-up's latest entry's (event-view/roll-up.ts), else TFE's
 *  top-level `run_status`. */
function latestStatus(payload: Record<string, unknown>): (string | undefined)[] {
  const latest = text(readRollUp(payload.notifications).latest.run_status) ?? text(payload.run_status);
  return [latest ?? undefined];
}
