// A run's whole life as HCP Terraform notifies it: created and planning are the captured TFE
// fixtures byte for byte; the later steps are the same run's payload with the entry HashiCorp
// sends for them (message, trigger, run_status, time), as the other tests build payloads.
import { fixture } from './fixtures';

export const RUN_ID = 'run-vnWnJSpBcUFUTaVJ';

const LATER_STEPS = [
  ['Run Needs Attention', 'run:needs_attention', 'policy_override', '2020-09-09T07:40:40.000Z'],
  ['Run Applying', 'run:applying', 'applying', '2020-09-09T07:41:02.000Z'],
  ['Run Errored', 'run:errored', 'errored', '2020-09-09T07:41:30.000Z'],
] as const;

function laterStep([message, trigger, status, at]: (typeof LATER_STEPS)[number]): string {
  const payload = JSON.parse(fixture('tfe-run-planning-captured')) as Record<string, unknown>;
  payload.notifications = [
    { message, trigger, run_status: status, run_updated_at: at, run_updated_by: 'mkaesz' },
  ];
  return JSON.stringify(payload);
}

/** created, planning, needs_attention, applying, errored: five bodies of one run, in order. */
export function runLife(): string[] {
  return [
    fixture('tfe-run-created-captured'),
    fixture('tfe-run-planning-captured'),
    ...LATER_STEPS.map(laterStep),
  ];
}

/** The statuses the five bodies report, in order. */
export const LIFE_STATUSES = ['pending', 'planning', 'policy_override', 'applying', 'errored'];
