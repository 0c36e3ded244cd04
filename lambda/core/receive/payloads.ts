// What HashiCorp sends, and classifyPayload(): which family a body belongs to. Checks are loose
// on purpose: HashiCorp adds fields and triggers, and we must never reject them.
import { PayloadError } from '../errors';

export const PAYLOAD_KINDS = [
  'run',
  'assessment',
  'auto-destroy',
  'change-request',
  'hcp-event',
  'verification',
  'unknown',
] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** A classified payload: what routing filters and logs need, plus the parsed body. */
export interface Notification {
  kind: PayloadKind;
  /** Every trigger the body names: `trigger` and `trigger_type` of each notification entry. */
  triggers: string[];
  workspaceId?: string;
  /** An HCP event's resource (`resource_id`): what its ordering is kept per. */
  resourceId?: string;
  workspaceName?: string;
  organization?: string;
  payload: Record<string, unknown>;
}

export const HCP_VERIFICATION_SOURCE = 'hashicorp.webhook.verification';
export const TFE_VERIFICATION_TRIGGER = 'verification';

// The shapes below are checked by hand, not with zod: the receiver classifies every request, and
// zod is 85 kB on its cold-start path (docs/performance.md). Loose on purpose, like the schemas
// they replace: extra keys and unknown triggers pass; a key a family requires must have its type.
type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** A string, null or absent: HashiCorp's test payloads send null for every field. */
const isText = (value: unknown): value is string | null | undefined =>
  value === undefined || value === null || typeof value === 'string';

interface Place {
  workspace_id?: string | null | undefined;
  workspace_name?: string | null | undefined;
  organization_name?: string | null | undefined;
}

/** The workspace fields of `value`, if each is text (or missing); undefined otherwise. */
function placeOf(value: Json): Place | undefined {
  const { workspace_id, workspace_name, organization_name } = value;
  return isText(workspace_id) && isText(workspace_name) && isText(organization_name)
    ? { workspace_id, workspace_name, organization_name }
    : undefined;
}

function describe(
  kind: PayloadKind,
  triggers: string[],
  place: Place | null | undefined,
  payload: Json,
): Notification {
  const notification: Notification = { kind, triggers, payload };
  if (place?.workspace_id) notification.workspaceId = place.workspace_id;
  if (place?.workspace_name) notification.workspaceName = place.workspace_name;
  if (place?.organization_name) notification.organization = place.organization_name;
  return notification;
}

type RunEntry = { trigger: string; trigger_type?: string | null };
const isRunEntry = (entry: unknown): entry is RunEntry =>
  isObject(entry) && typeof entry.trigger === 'string' && isText(entry.trigger_type);

// Each family requires one key the others do not: its presence picks the family, and the types of
// the family's keys decide whether it really is one (a wrong type falls through to the next).
export function classifyPayload(payload: Json): Notification {
  const { event_source, event_action } = payload;
  if (typeof event_source === 'string' && typeof event_action === 'string') {
    const kind = event_source === HCP_VERIFICATION_SOURCE ? 'verification' : 'hcp-event';
    const notification = describe(kind, [`${event_source}:${event_action}`], null, payload);
    if (typeof payload.resource_id === 'string' && payload.resource_id)
      notification.resourceId = payload.resource_id;
    return notification;
  }

  // Before the run family: a change request may also carry notifications[] (no sample exists).
  const changeRequestPlace = typeof payload.change_request_url === 'string' ? placeOf(payload) : undefined;
  if (changeRequestPlace)
    return describe('change-request', ['change_request:created'], changeRequestPlace, payload);

  const { notifications } = payload;
  const runPlace =
    Array.isArray(notifications) && notifications.every(isRunEntry) ? placeOf(payload) : undefined;
  if (runPlace && Array.isArray(notifications)) {
    const entries = notifications as RunEntry[];
    const triggers = entries.flatMap((n) => (n.trigger_type ? [n.trigger, n.trigger_type] : [n.trigger]));
    const verifications = entries.filter((n) => n.trigger === TFE_VERIFICATION_TRIGGER);
    // HashiCorp sends a verification on its own. A body mixing one with real entries would be
    // answered 200 and its entries dropped, or forwarded with a verification in it: refuse it.
    if (verifications.length > 0 && verifications.length < entries.length) {
      throw new PayloadError('a verification entry cannot be mixed with notifications in one body');
    }
    const kind = verifications.length > 0 ? 'verification' : 'run';
    return describe(kind, triggers, runPlace, payload);
  }

  // payload_version "2": assessments and workspace events (auto-destroy, deleted, ...).
  const { trigger, trigger_scope, details } = payload;
  const detailsPlace =
    details === undefined || details === null ? null : isObject(details) ? placeOf(details) : undefined;
  if (typeof trigger === 'string' && typeof trigger_scope === 'string' && detailsPlace !== undefined) {
    const kind =
      trigger_scope === 'assessment'
        ? 'assessment'
        : trigger.startsWith('workspace:auto_destroy')
          ? 'auto-destroy'
          : 'unknown';
    return describe(kind, [trigger], detailsPlace, payload);
  }

  return describe('unknown', typeof trigger === 'string' ? [trigger] : [], null, payload);
}

/** Parses the raw body text: a JSON object or a PayloadError-worthy message. */
export function parseJsonObject(
  body: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'body must be a JSON object' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}
