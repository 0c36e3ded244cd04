// The part of the event view each payload family fills in (runs.ts, hcp.ts, ...); event-view.ts
// derives the rest. Its own file, so the family views need not import event-view.ts back.

/** What a family-specific view fills in; describeEvent() derives the rest. */
export interface ViewParts {
  trigger: string | null;
  status: string | null;
  /** True when the payload reports a failure that trigger and status do not show. */
  failed?: boolean;
  /** The triggers that decide the outcome, when not all of the notification's (roll-ups). */
  outcomeTriggers?: string[];
  source: string;
  message: string;
  summary?: string;
  details: string | null;
  subject: string | null;
  workspace: string | null;
  workspaceId: string | null;
  organization: string | null;
  resource?: string | null;
  id: string | null;
  url: string | null;
  urlLabel: string | null;
  actor: string | null;
  timestamp: string | null;
  facts: Array<[string, string | null]>;
}
