// GitHub repository_dispatch: `event_type` is the trigger, so a workflow can select on it with
// `on: repository_dispatch: types: [run:errored]`; `client_payload` holds at most 10 keys.
import { JSONATA_HELPERS } from './helpers';

export const GITHUB_DISPATCH_PRESET = `(
  ${JSONATA_HELPERS}
  $e := $event;
  {
    "event_type": $substring($e.trigger ? $e.trigger : $e.kind, 0, 100),
    "client_payload": {
      "kind": $e.kind,
      "trigger": $e.trigger,
      "status": $e.status,
      "outcome": $e.outcome,
      "message": $e.message,
      "workspace": $e.workspace,
      "organization": $e.organization,
      "url": $e.url,
      "actor": $e.actor,
      "raw": $
    }
  }
)`;
