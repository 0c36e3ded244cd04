// Views of run notifications (and TFE's run-shaped verification), and the best-effort view of
// payloads no family claims.
import type { ViewParts } from './parts';
import { type Json, link, obj, originOf, terraformSource, text, workspacePath, workspaceUrl } from './read';
import { readRollUp } from './roll-up';

/** Run family. With several `notifications[]` entries, the latest decides (roll-up.ts). */
export function viewRun(payload: Json): ViewParts {
  const rollUp = readRollUp(payload.notifications);
  const entry = rollUp.latest;
  const workspace = text(payload.workspace_name);
  const organization = text(payload.organization_name);
  const url = link(payload.run_url);
  const status = text(entry.run_status);
  const id = text(payload.run_id);
  const actor = text(entry.run_updated_by) ?? text(payload.run_created_by);
  const subject = workspacePath(organization, workspace);
  return {
    trigger: text(entry.trigger),
    status,
    outcomeTriggers: rollUp.triggers,
    failed: rollUp.earlierFailure,
    source: terraformSource(url),
    message: text(entry.message) ?? 'Run notification',
    details: text(payload.run_message),
    subject,
    workspace,
    workspaceId: text(payload.workspace_id),
    organization,
    id,
    url,
    urlLabel: 'View run',
    actor,
    timestamp: text(entry.run_updated_at) ?? text(payload.run_created_at),
    facts: [
      ['Status', status],
      ['Run', id],
      ['By', actor],
      ['Events', rollUp.events],
    ],
  };
}

/** Anything else: read the fields the known families use, wherever they are. */
export function viewUnknown(payload: Json, firstTrigger: string | null): ViewParts {
  const details = obj(payload.details);
  const entry = readRollUp(payload.notifications).latest;
  const workspace = text(payload.workspace_name) ?? text(details.workspace_name);
  const organization = text(payload.organization_name) ?? text(details.organization_name);
  const configUrl = link(payload.notification_configuration_url);
  const runUrl = link(payload.run_url);
  const pageUrl = runUrl ?? workspaceUrl(originOf(configUrl), organization, workspace);
  const trigger = firstTrigger ?? text(entry.trigger);
  const subject = workspacePath(organization, workspace);
  const status = text(entry.run_status) ?? text(details.run_status);
  return {
    trigger,
    status,
    // No URL: it may not even come from HashiCorp, so do not name a product.
    source: (runUrl ?? configUrl) ? terraformSource(runUrl ?? configUrl) : 'HashiCorp',
    message: text(payload.message) ?? text(entry.message) ?? 'Unrecognized notification',
    // Without a trigger there is little to show: the keys tell a person what arrived.
    details: trigger ? null : `Top-level keys: ${Object.keys(payload).slice(0, 10).join(', ')}`,
    subject,
    workspace,
    workspaceId: text(payload.workspace_id) ?? text(details.workspace_id),
    organization,
    id: text(payload.run_id),
    url: pageUrl,
    urlLabel: runUrl ? 'View run' : 'Open workspace',
    actor: null,
    timestamp: null,
    facts: [['Status', status]],
  };
}
