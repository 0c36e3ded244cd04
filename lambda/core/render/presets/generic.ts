// Our own flat JSON shape, the same keys for every payload family (null when unknown). A stable
// contract: fields are only ever added, and `version` changes if one is removed or redefined.
import { enrichmentOf, type Preset } from './helpers';

export const genericPreset: Preset = ({ event: e, payload }) => ({
  version: 1,
  kind: e.kind,
  trigger: e.trigger,
  status: e.status,
  outcome: e.outcome,
  source: e.source,
  message: e.message,
  summary: e.summary,
  details: e.details,
  workspace: e.workspace,
  workspace_id: e.workspace_id,
  organization: e.organization,
  resource: e.resource,
  id: e.id,
  url: e.url,
  actor: e.actor,
  timestamp: e.timestamp,
  // Only with an enrichment (docs/enrichment.md): plan, apply, cost, policy, error, workspace_tags.
  ...(enrichmentOf(e) ? { enrichment: enrichmentOf(e) } : {}),
  raw: payload,
});
