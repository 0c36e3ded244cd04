// PagerDuty Events API v2. One incident per workspace: failures and warnings `trigger` it, the
// next successful run `resolve`s it. Informational events (run:created, HCP events, ...) must
// neither page anyone nor close a real incident, and the bridge cannot skip a delivery, so they
// become a `resolve` of a key no trigger ever uses, which PagerDuty accepts and discards.
// Filter them out in the config to not send them at all (docs/destinations.md).
import { createHash } from 'node:crypto';
import type { EventView } from '../event-view';
import { errorBlock, firstUnits, isoSeconds, type Preset, truncate } from './helpers';

/** The secret the preset reads: `secrets: { routingKey: { secretId } }` on the destination. */
export const PAGERDUTY_ROUTING_KEY = 'routingKey';

export interface PagerDutyEvent {
  routing_key: string | undefined;
  event_action: 'trigger' | 'resolve';
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'error' | 'warning';
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, string>;
  };
  client?: string;
  client_url?: string;
  links?: Array<{ href: string; text: string }>;
}

// Events API v2 reference (developer.pagerduty.com): dedup_key 255 characters, summary 1024,
// the whole event 512 KB (these caps keep it under 120 KB).
const KEY_MAX = 255;
const SUMMARY_MAX = 1024;
const FIELD_MAX = 255;
const DETAIL_MAX = 1024;
const DETAILS_MAX = 4096;

/** A key for an event about nothing we can name: parentheses and spaces are in no workspace,
 *  organization or HCP resource name, so no trigger ever has this key. */
const unscopedKey = (e: EventView) => `tfe-bridge/(no subject)/${e.kind}`;

/** The incident an event belongs to, or null when nothing names one: an all-null payload
 *  (HashiCorp's test) must not merge with every other all-null payload into one incident. */
function incidentKey(e: EventView): string | null {
  const scope = e.subject ?? e.id;
  if (e.kind === 'change-request') {
    // A run does not answer a change request: each request is its own incident.
    if (e.url) return `tfe-bridge/${scope ?? e.kind}/change-request/${e.url}`;
    return scope && e.timestamp ? `tfe-bridge/${scope}/change-request/${e.timestamp}` : null;
  }
  return scope ? `tfe-bridge/${scope}` : null;
}

/** At most 255 characters; a longer key keeps its start and ends in a hash of the whole, so two
 *  keys that share their first 222 characters stay apart. */
function fitKey(key: string): string {
  if (key.length <= KEY_MAX) return key;
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `${firstUnits(key, KEY_MAX - hash.length - 1)}#${hash}`;
}

function customDetails(e: EventView): Record<string, string> {
  // No prototype: a fact titled `__proto__` is a key like any other.
  const details: Record<string, string> = Object.create(null);
  details.kind = e.kind;
  if (e.subject) details.subject = truncate(e.subject, DETAIL_MAX);
  if (e.details) details.details = truncate(e.details, DETAILS_MAX);
  for (const { title, value } of e.facts) details[title] = truncate(value, DETAIL_MAX);
  const error = errorBlock(e);
  if (error) details.error = truncate(`${error.title}: ${error.excerpt}`, DETAIL_MAX);
  return details;
}

export const pagerdutyPreset: Preset = ({ event: e, secrets }): PagerDutyEvent => {
  const key = incidentKey(e);
  const routing_key = secrets[PAGERDUTY_ROUTING_KEY];
  if (e.outcome === 'info') {
    return { routing_key, event_action: 'resolve', dedup_key: fitKey(`${key ?? unscopedKey(e)}/info`) };
  }
  if (e.outcome === 'success') {
    return { routing_key, event_action: 'resolve', dedup_key: fitKey(key ?? `${unscopedKey(e)}/info`) };
  }
  const timestamp = isoSeconds(e.epoch);
  const payload: NonNullable<PagerDutyEvent['payload']> = {
    summary: truncate(e.summary, SUMMARY_MAX),
    source: truncate(e.subject ? e.subject : e.source, FIELD_MAX),
    severity: e.outcome === 'failure' ? 'error' : 'warning',
    ...(timestamp ? { timestamp } : {}),
    ...(e.workspace ? { component: truncate(e.workspace, FIELD_MAX) } : {}),
    ...(e.organization ? { group: truncate(e.organization, FIELD_MAX) } : {}),
    ...(e.trigger ? { class: truncate(e.trigger, FIELD_MAX) } : {}),
    custom_details: customDetails(e),
  };
  return {
    routing_key,
    event_action: 'trigger',
    // Without a key PagerDuty opens a new alert, which is right when nothing names an incident.
    ...(key ? { dedup_key: fitKey(key) } : {}),
    payload,
    client: e.source,
    ...(e.url ? { client_url: e.url, links: [{ href: e.url, text: e.url_label ?? 'Open' }] } : {}),
  };
};
