// How a notification went, for colours and severities. Triggers are an open set, so anything not
// listed here is `info`: a new trigger shows up neutral rather than alarming.
export type Outcome = 'failure' | 'warning' | 'success' | 'info';

const FAILURE_TRIGGERS = new Set([
  'run:errored',
  'run:run_errored',
  'run:run_canceled',
  'assessment:drifted',
  'assessment:failed',
  'assessment:check_failure',
]);
const WARNING_TRIGGERS = new Set([
  'run:needs_attention',
  'run:pending_apply_approval',
  'run:policy_override_required',
  'run:policy_soft_failed',
  'workspace:auto_destroy_reminder',
  'change_request:created',
]);
const SUCCESS_TRIGGERS = new Set(['run:completed']);

// `run:errored` also covers cancels; the status says which, and both are red.
const FAILURE_STATUSES = new Set(['errored', 'canceled', 'force_canceled']);
const WARNING_STATUSES = new Set(['policy_override', 'policy_soft_failed']);
const SUCCESS_STATUSES = new Set(['applied', 'planned_and_finished', 'planned_and_saved']);

/** True when these triggers or this status alone make a notification a failure. */
export const isFailure = (triggers: readonly string[], status: string | null): boolean =>
  triggers.some((trigger) => FAILURE_TRIGGERS.has(trigger)) ||
  (status !== null && FAILURE_STATUSES.has(status));

/** Failure wins over warning over success: one red signal is enough to make it red. */
export function outcomeOf(triggers: readonly string[], status: string | null, failed: boolean): Outcome {
  const any = (set: Set<string>) => triggers.some((trigger) => set.has(trigger));
  if (failed || isFailure(triggers, status)) return 'failure';
  if (any(WARNING_TRIGGERS) || (status !== null && WARNING_STATUSES.has(status))) return 'warning';
  if (any(SUCCESS_TRIGGERS) || (status !== null && SUCCESS_STATUSES.has(status))) return 'success';
  return 'info';
}
