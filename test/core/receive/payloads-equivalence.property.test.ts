// classifyPayload checks shapes by hand (zod is kept off the receiver's cold start): for any
// payload it must classify exactly as the zod schemas it replaced did, kept here as the reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { PayloadError } from '../../../lambda/core/errors';
import { classifyPayload, type Notification, type PayloadKind } from '../../../lambda/core/receive/payloads';

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

const anyTrigger = z.looseObject({ trigger: z.string() });

type Place = {
  workspace_id?: string | null | undefined;
  workspace_name?: string | null | undefined;
  organization_name?: string | null | undefined;
};

function describeRef(
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
function zodClassify(payload: Record<string, unknown>): Notification {
  const hcp = payload.event_source === undefined ? undefined : hcpEvent.safeParse(payload);
  if (hcp?.success) {
    const kind = hcp.data.event_source === 'hashicorp.webhook.verification' ? 'verification' : 'hcp-event';
    const notification = describeRef(
      kind,
      [`${hcp.data.event_source}:${hcp.data.event_action}`],
      null,
      payload,
    );
    if (typeof payload.resource_id === 'string' && payload.resource_id)
      notification.resourceId = payload.resource_id;
    return notification;
  }

  // Before the run family: a change request may also carry notifications[] (no sample exists).
  const cr = payload.change_request_url === undefined ? undefined : changeRequest.safeParse(payload);
  if (cr?.success) return describeRef('change-request', ['change_request:created'], cr.data, payload);

  const run = payload.notifications === undefined ? undefined : runFamily.safeParse(payload);
  if (run?.success) {
    const triggers = run.data.notifications.flatMap((n) =>
      n.trigger_type ? [n.trigger, n.trigger_type] : [n.trigger],
    );
    const verifications = run.data.notifications.filter((n) => n.trigger === 'verification');
    // HashiCorp sends a verification on its own. A body mixing one with real entries would be
    // answered 200 and its entries dropped, or forwarded with a verification in it: refuse it.
    if (verifications.length > 0 && verifications.length < run.data.notifications.length) {
      throw new PayloadError('a verification entry cannot be mixed with notifications in one body');
    }
    const kind = verifications.length > 0 ? 'verification' : 'run';
    return describeRef(kind, triggers, run.data, payload);
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
    return describeRef(kind, [trigger], details, payload);
  }

  const loose = anyTrigger.safeParse(payload);
  return describeRef('unknown', loose.success ? [loose.data.trigger] : [], null, payload);
}

/** Values a field may hold: the right type, a wrong one, null, or missing. */
const value = fc.oneof(
  fc.constantFrom(
    'verification',
    'run:errored',
    'hashicorp.webhook.verification',
    'assessment',
    'workspace:auto_destroy_reminder',
    'x',
  ),
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.constant(undefined),
);
const entry = fc.oneof(fc.record({ trigger: value, trigger_type: value }, { requiredKeys: [] }), value);
const payload = fc.record(
  {
    event_source: value,
    event_action: value,
    resource_id: value,
    change_request_url: value,
    notifications: fc.oneof(fc.array(entry, { maxLength: 4 }), value),
    workspace_id: value,
    workspace_name: value,
    organization_name: value,
    trigger: value,
    trigger_scope: value,
    details: fc.oneof(
      fc.record(
        { workspace_id: value, workspace_name: value, organization_name: value },
        { requiredKeys: [] },
      ),
      value,
    ),
  },
  { requiredKeys: [] },
);

const outcome = (classify: (p: Record<string, unknown>) => Notification, p: Record<string, unknown>) => {
  try {
    const { payload: _ignored, ...rest } = classify(p);
    return rest;
  } catch (error) {
    return error instanceof PayloadError ? 'refused' : `threw ${(error as Error).name}`;
  }
};

describe('classifyPayload without zod', () => {
  it('classifies every payload exactly as the zod schemas did', () => {
    fc.assert(
      fc.property(payload, (p) => {
        const clean = JSON.parse(JSON.stringify(p)) as Record<string, unknown>;
        const expected = outcome(zodClassify, clean);
        const actual = outcome(classifyPayload, clean);
        expect(actual).toEqual(expected);
      }),
      { numRuns: 3_000 },
    );
  });
});
