// One flat view of any notification, bound as `$event` in templates: presets (and user templates)
// read the same fields whatever the payload family, instead of five shapes each.

import type { Enrichment } from '../enrich/run-details';
import type { Notification, PayloadKind } from '../receive/payloads';
import { enrichedFacts } from './event-view/enriched';
import { viewHcpEvent } from './event-view/hcp';
import { type Outcome, outcomeOf } from './event-view/outcome';
import type { ViewParts } from './event-view/parts';
import { type Json, obj, text } from './event-view/read';
import { viewRun, viewUnknown } from './event-view/runs';
import { viewAssessment, viewAutoDestroy, viewChangeRequest } from './event-view/workspace-events';

export type { Outcome };

export interface EventFact {
  title: string;
  value: string;
}

export interface EventView {
  kind: PayloadKind;
  /** The primary trigger: `run:errored`, `assessment:drifted`, `hashicorp.packer.version:assign`.
   *  In a roll-up (several `notifications[]`), this and status, message, actor and timestamp are
   *  the latest event's (event-view/roll-up.ts). */
  trigger: string | null;
  /** run_status, the assessment result, the auto-destroy run status or the HCP event action. */
  status: string | null;
  /** Drives colour and severity: failure (red), warning (yellow), success (green), info. */
  outcome: Outcome;
  /** "HCP Terraform", "Terraform Enterprise", "HCP Packer", "HCP Vault Secrets", ... */
  source: string;
  /** HashiCorp's own words: "Run Canceled", "Drift Detected", the change request subject. */
  message: string;
  /** One line for notification previews: "Run Canceled in acme-org/my-workspace". */
  summary: string;
  /** A second line of context: the run message, drift counts, change request text. */
  details: string | null;
  /** What it is about: "acme-org/my-workspace", or an HCP bucket or app/secret name. */
  subject: string | null;
  workspace: string | null;
  workspace_id: string | null;
  organization: string | null;
  /** The HCP resource name (HCP events only). */
  resource: string | null;
  /** Run id, assessment result id, HCP event id. */
  id: string | null;
  /** A link back for people (run page, workspace, change request), when one can be known. */
  url: string | null;
  url_label: string | null;
  actor: string | null;
  /** When it happened (ISO 8601), as the payload says; null when it does not say. */
  timestamp: string | null;
  /** `timestamp` in Unix seconds (for Slack's date formatting), or null (also before 1970 or
   *  after 9999). */
  epoch: number | null;
  /** Label/value pairs for cards and fields, without empty values. */
  facts: EventFact[];
  // Present only when the route's enrichment read the run (docs/enrichment.md); absent otherwise,
  // so views and templates without enrichment are as before.
  plan?: Enrichment['plan'];
  apply?: Enrichment['apply'];
  cost?: Enrichment['cost'];
  policy?: Enrichment['policy'];
  error?: Enrichment['error'];
  workspace_tags?: string[];
}

function viewParts(kind: PayloadKind, payload: Json, triggers: string[]): ViewParts {
  switch (kind) {
    case 'run':
      return viewRun(payload);
    case 'verification':
      return typeof payload.event_source === 'string' ? viewHcpEvent(payload) : viewRun(payload);
    case 'assessment':
      return viewAssessment(payload);
    case 'auto-destroy':
      return viewAutoDestroy(payload);
    case 'change-request':
      return viewChangeRequest(payload, triggers[0] ?? null);
    case 'hcp-event':
      return viewHcpEvent(payload);
    case 'unknown':
      return viewUnknown(payload, triggers[0] ?? null);
  }
}

/** 9999-12-31T23:59:59Z: services reject five-digit years in ISO 8601 timestamps. */
const MAX_EPOCH_S = 253_402_300_799;

function toEpoch(timestamp: string | null): number | null {
  const ms = timestamp === null ? Number.NaN : Date.parse(timestamp);
  const epoch = Math.floor(ms / 1000);
  return epoch >= 0 && epoch <= MAX_EPOCH_S ? epoch : null;
}

export function describeEvent(notification: Notification, enrichment?: Enrichment): EventView {
  const parts = viewParts(notification.kind, obj(notification.payload), notification.triggers);
  const facts = enrichment ? [...parts.facts, ...enrichedFacts(enrichment)] : parts.facts;
  const summary = parts.summary ?? (parts.subject ? `${parts.message} in ${parts.subject}` : parts.message);
  return {
    kind: notification.kind,
    trigger: parts.trigger,
    status: parts.status,
    outcome: outcomeOf(parts.outcomeTriggers ?? notification.triggers, parts.status, parts.failed ?? false),
    source: parts.source,
    message: parts.message,
    summary,
    details: parts.details,
    subject: parts.subject,
    workspace: parts.workspace,
    workspace_id: parts.workspaceId,
    organization: parts.organization,
    resource: parts.resource ?? null,
    id: parts.id,
    url: parts.url,
    url_label: parts.url ? parts.urlLabel : null,
    actor: parts.actor,
    timestamp: parts.timestamp,
    epoch: toEpoch(parts.timestamp),
    facts: facts.flatMap(([title, value]) => (text(value) === null ? [] : [{ title, value: value ?? '' }])),
    ...(enrichment ? enrichmentFields(enrichment) : {}),
  };
}

function enrichmentFields(enrichment: Enrichment) {
  const { plan, apply, cost, policy, error, workspace_tags } = enrichment;
  return { plan, apply, cost, policy, error, workspace_tags };
}
