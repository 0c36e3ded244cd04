// GitHub repository_dispatch: `event_type` is the trigger, so a workflow can select on it with
// `on: repository_dispatch: types: [run:errored]`; `client_payload` holds at most 10 keys.
import { firstCodePoints, type Preset } from './helpers';

export const githubDispatchPreset: Preset = ({ event: e, payload }) => ({
  event_type: firstCodePoints(e.trigger ? e.trigger : e.kind, 100),
  client_payload: {
    kind: e.kind,
    trigger: e.trigger,
    status: e.status,
    outcome: e.outcome,
    message: e.message,
    workspace: e.workspace,
    organization: e.organization,
    url: e.url,
    actor: e.actor,
    raw: payload,
  },
});
