// What HashiCorp sends, as zod schemas, and classifyPayload(): which family a body belongs to.
// Schemas are loose on purpose: HashiCorp adds fields and triggers, and we must never reject them.
import * as z from 'zod';
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

const text = z.string().nullish();

const runEntry = z.looseObject({ trigger: z.string(), trigger_type: text });
const runFamily = z.looseObject({
  notifications: z.array(runEntry),
  workspace_id: text,
  workspace_name: text,
  organization_name: text,
});

const changeRequest = z.looseObject({
  change_request_url: z.string(),
  workspace_id: text,
  workspace_name: text,
  organization_name: text,
});

// payload_version "2": assessments and workspace events (auto-destroy, deleted, ...).
const workspaceEvent = z.looseObject({
  trigger: z.string(),
  trigger_scope: z.string(),
  details: z.looseObject({ workspace_id: text, workspace_name: text, organization_name: text }).nullish(),
});

const hcpEvent = z.looseObject({ event_source: z.string(), event_action: z.string() });
export const HCP_VERIFICATION_SOURCE = 'hashicorp.webhook.verification';
export const TFE_VERIFICATION_TRIGGER = 'verification';

const anyTrigger = z.looseObject({ trigger: z.string() });

type Place = {
  workspace_id?: string | null | undefined;
  workspace_name?: string | null | undefined;
  organization_name?: string | null | undefined;
};

function describe(
  kind: PayloadKind,
  triggers: string[],
  place: Place | null | undefined,
  payload: Record<string, unknown>,
): Notification {
  const notification: Notification = { kind, triggers, payload };
  if (place?.workspace_id) notification.workspaceId = place.workspace_id;
  if (place?.workspace_name) notification.workspaceName = place.workspace_name;
  if (place?.organization_name) notification.organization = place.organization_name;
  return notification;
}

// Each family's schema requires one key the others do not; looking for it first spares the
// common run payload two failing parses (zod allocates issues for every failure). A schema is
// still what decides: a present key with the wrong type falls through exactly as before.
export function classifyPayload(payload: Record<string, unknown>): Notification {
  const hcp = payload.event_source === undefined ? undefined : hcpEvent.safeParse(payload);
  if (hcp?.success) {
    const kind = hcp.data.event_source === HCP_VERIFICATION_SOURCE ? 'verification' : 'hcp-event';
    const notification = describe(kind, [`${hcp.data.event_source}:${hcp.data.event_action}`], null, payload);
    if (typeof payload.resource_id === 'string' && payload.resource_id)
      notification.resourceId = payload.resource_id;
    return notification;
  }

  // Before the run family: a change request may also carry notifications[] (no sample exists).
  const cr = payload.change_request_url === undefined ? undefined : changeRequest.safeParse(payload);
  if (cr?.success) return describe('change-request', ['change_request:created'], cr.data, payload);

  const run = payload.notifications === undefined ? undefined : runFamily.safeParse(payload);
  if (run?.success) {
    const triggers = run.data.notifications.flatMap((n) =>
      n.trigger_type ? [n.trigger, n.trigger_type] : [n.trigger],
    );
    const verifications = run.data.notifications.filter((n) => n.trigger === TFE_VERIFICATION_TRIGGER);
    // HashiCorp sends a verification on its own. A body mixing one with real entries would be
    // answered 200 and its entries dropped, or forwarded with a verification in it: refuse it.
    if (verifications.length > 0 && verifications.length < run.data.notifications.length) {
      throw new PayloadError('a verification entry cannot be mixed with notifications in one body');
    }
    const kind = verifications.length > 0 ? 'verification' : 'run';
    return describe(kind, triggers, run.data, payload);
  }

  const event = payload.trigger_scope === undefined ? undefined : workspaceEvent.safeParse(payload);
  if (event?.success) {
    const { trigger, trigger_scope, details } = event.data;
    const kind =
      trigger_scope === 'assessment'
        ? 'assessment'
        : trigger.startsWith('workspace:auto_destroy')
          ? 'auto-destroy'
          : 'unknown';
    return describe(kind, [trigger], details, payload);
  }

  const loose = anyTrigger.safeParse(payload);
  return describe('unknown', loose.success ? [loose.data.trigger] : [], null, payload);
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
