// PagerDuty Events API v2. One incident per workspace: failures and warnings `trigger` it, the
// next successful run `resolve`s it. Informational events (run:created, HCP events, ...) must
// neither page anyone nor close a real incident, and the bridge cannot skip a delivery, so they
// become a `resolve` of a key no trigger ever uses, which PagerDuty accepts and discards.
// Filter them out in the config to not send them at all (docs/destinations.md).
import { isoSeconds, type Preset, truncate } from './helpers';

/** The secret the preset reads: `secrets: { routingKey: { secretId } }` on the destination. */
export const PAGERDUTY_ROUTING_KEY = 'routingKey';

export const pagerdutyPreset: Preset = ({ event: e, secrets }) => {
  const scope = e.subject ? e.subject : e.id ? e.id : e.kind;
  const key = truncate(
    e.kind === 'change-request'
      ? // A run does not answer a change request: each request is its own incident.
        `tfe-bridge/${scope}/change-request/${e.url ? e.url : e.timestamp}`
      : `tfe-bridge/${scope}`,
    255,
  );
  const trigger = e.outcome === 'failure' || e.outcome === 'warning';
  // No prototype: a fact titled `__proto__` is a key like any other, as it was in JSONata.
  const details: Record<string, string> = Object.create(null);
  details.kind = e.kind;
  if (e.subject) details.subject = e.subject;
  if (e.details) details.details = e.details;
  for (const { title, value } of e.facts) details[title] = value;
  return {
    routing_key: secrets[PAGERDUTY_ROUTING_KEY],
    event_action: trigger ? 'trigger' : 'resolve',
    dedup_key: e.outcome === 'info' ? truncate(`${key}/info`, 255) : key,
    payload: trigger
      ? {
          summary: truncate(e.summary, 1024),
          source: truncate(e.subject ? e.subject : e.source, 255),
          severity: e.outcome === 'failure' ? 'error' : 'warning',
          timestamp: isoSeconds(e.epoch),
          component: e.workspace ? truncate(e.workspace, 255) : undefined,
          group: e.organization ? truncate(e.organization, 255) : undefined,
          class: e.trigger ? truncate(e.trigger, 255) : undefined,
          custom_details: details,
        }
      : undefined,
    client: trigger ? e.source : undefined,
    client_url: trigger && e.url ? e.url : undefined,
    links: trigger && e.url ? [{ href: e.url, text: e.url_label }] : undefined,
  };
};
