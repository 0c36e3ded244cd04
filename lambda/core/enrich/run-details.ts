// Reads HCP Terraform / TFE JSON:API documents (LIVE-MESSAGES.md §1.2-1.6) into the enrichment
// templates see as $event.plan, .cost, .policy, .error and .workspace_tags. Pure and defensive:
// every field may be missing, null or of another type, and then reads as unknown (null).
import { type Json, list, num, obj, text } from '../render/event-view/read';

export interface ChangeCounts {
  add: number | null;
  change: number | null;
  destroy: number | null;
  import: number | null;
  /** "+2 ~1 -0", "+2 ~1 -0 (1 import)"; an unknown count shows as "?", never as 0. */
  summary: string;
}

export interface PlanView extends ChangeCounts {
  has_changes: boolean | null;
  status: string | null;
}

export interface CostView {
  /** Decimal strings, as the API returns them (no float rounding). */
  proposed_monthly: string | null;
  delta_monthly: string | null;
  prior_monthly: string | null;
  status: string | null;
}

export type PolicyOutcome = 'passed' | 'advisory_failed' | 'mandatory_failed';

export interface PolicyView {
  outcome: PolicyOutcome;
  /** Failed policy names by enforcement (sorted, without duplicates; at most 20 each). */
  mandatory_failed: string[];
  advisory_failed: string[];
}

export interface ErrorView {
  /** What ended the run: errored, canceled, force_canceled or discarded. */
  status: string;
  /** The phase whose log the excerpt comes from, when known. */
  phase: 'plan' | 'apply' | null;
  /** The first error diagnostics of that log (500 characters at most); null unless errorExcerpt. */
  excerpt: string | null;
}

/** What an enrichment adds to the event view. */
export interface Enrichment {
  plan: PlanView | null;
  apply: ChangeCounts | null;
  cost: CostView | null;
  policy: PolicyView | null;
  error: ErrorView | null;
  workspace_tags: string[];
}

/** What the run document says, plus what the reads that follow it need. */
export interface RunDocument {
  status: string | null;
  planLogUrl: string | null;
  applyLogUrl: string | null;
  applyStatus: string | null;
  planStatus: string | null;
  hasPolicyChecks: boolean;
  policyEvaluationIds: string[];
  partial: Omit<Enrichment, 'policy' | 'error'>;
}

const ENDED_STATUSES = new Set(['errored', 'canceled', 'force_canceled', 'discarded']);
const MAX_NAMES = 20;
const MAX_TAGS = 50;
const MAX_TAG_CHARS = 255;

const count = (value: unknown): number | null => {
  const n = num(value);
  return n !== null && Number.isInteger(n) && n >= 0 ? n : null;
};

export function readCounts(attributes: Json): ChangeCounts {
  const add = count(attributes['resource-additions']);
  const change = count(attributes['resource-changes']);
  const destroy = count(attributes['resource-destructions']);
  const imports = count(attributes['resource-imports']);
  const shown = (n: number | null) => (n === null ? '?' : String(n));
  const importNote = imports ? ` (${imports} import${imports === 1 ? '' : 's'})` : '';
  return {
    add,
    change,
    destroy,
    import: imports,
    summary: `+${shown(add)} ~${shown(change)} -${shown(destroy)}${importNote}`,
  };
}

/** The `included` resource a has-one relationship points at, or null. */
function included(document: Json, relationship: unknown): Json | null {
  const ref = obj(obj(relationship).data);
  const id = text(ref.id);
  const type = text(ref.type);
  if (id === null) return null;
  const found = list(document.included).find((r) => r.id === id && (type === null || r.type === type));
  return found ?? null;
}

const boolOrNull = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

const decimal = (value: unknown): string | null => {
  const s = text(value);
  return s !== null && /^-?\d{1,15}(\.\d{1,10})?$/.test(s) ? s : null;
};

function readTags(workspace: Json | null): string[] {
  const names = obj(workspace?.attributes)['tag-names'];
  const tags = Array.isArray(names)
    ? names.filter((t): t is string => typeof t === 'string' && t !== '' && t.length <= MAX_TAG_CHARS)
    : [];
  return [...new Set(tags)].slice(0, MAX_TAGS);
}

/** GET /api/v2/runs/:id?include=plan,apply,cost_estimate,workspace,task_stages. */
export function readRunDocument(document: Json): RunDocument {
  const run = obj(document.data);
  const attributes = obj(run.attributes);
  const relationships = obj(run.relationships);
  const plan = included(document, relationships.plan);
  const apply = included(document, relationships.apply);
  const cost = included(document, relationships['cost-estimate']);
  const workspace = included(document, relationships.workspace);
  const planAttributes = obj(plan?.attributes);
  const applyAttributes = obj(apply?.attributes);
  const costAttributes = obj(cost?.attributes);
  const stageIds = new Set(list(obj(relationships['task-stages']).data).map((r) => text(r.id)));
  const stages = list(document.included).filter((r) => r.type === 'task-stages' && stageIds.has(text(r.id)));
  const policyEvaluationIds = stages
    .flatMap((stage) => list(obj(obj(stage.relationships)['policy-evaluations']).data))
    .map((r) => text(r.id))
    .filter((id): id is string => id !== null && SAFE_ID.test(id));
  return {
    status: text(attributes.status),
    planStatus: text(planAttributes.status),
    applyStatus: text(applyAttributes.status),
    planLogUrl: text(planAttributes['log-read-url']),
    applyLogUrl: text(applyAttributes['log-read-url']),
    hasPolicyChecks: list(obj(relationships['policy-checks']).data).length > 0,
    policyEvaluationIds: [...new Set(policyEvaluationIds)].slice(0, 10),
    partial: {
      plan: plan
        ? {
            ...readCounts(planAttributes),
            has_changes: boolOrNull(planAttributes['has-changes']) ?? boolOrNull(attributes['has-changes']),
            status: text(planAttributes.status),
          }
        : null,
      apply: apply ? readCounts(applyAttributes) : null,
      cost: cost
        ? {
            proposed_monthly: decimal(costAttributes['proposed-monthly-cost']),
            delta_monthly: decimal(costAttributes['delta-monthly-cost']),
            prior_monthly: decimal(costAttributes['prior-monthly-cost']),
            status: text(costAttributes.status),
          }
        : null,
      workspace_tags: readTags(workspace),
    },
  };
}

/** Ids safe to put in a path: HashiCorp ids are a prefix, a dash and letters/digits. */
export const SAFE_ID = /^[a-z]{2,8}-[A-Za-z0-9]{1,64}$/;

/** Failed policy names found in policy checks and policy-set outcomes. */
export interface PolicyFindings {
  evaluated: boolean;
  mandatory: string[];
  advisory: string[];
}

export const noFindings = (): PolicyFindings => ({ evaluated: false, mandatory: [], advisory: [] });

/** GET /runs/:id/policy-checks (legacy Sentinel): `result` counts and, when present, names. */
export function readPolicyChecks(document: Json, into: PolicyFindings): void {
  for (const check of list(document.data)) {
    const result = obj(obj(check.attributes).result);
    into.evaluated = true;
    const mandatory = (num(result['hard-failed']) ?? 0) + (num(result['soft-failed']) ?? 0);
    const advisory = num(result['advisory-failed']) ?? 0;
    const named = sentinelFailures(obj(result.sentinel));
    into.mandatory.push(...named.mandatory);
    into.advisory.push(...named.advisory);
    // Counts without names: say that much rather than nothing.
    if (mandatory > named.mandatory.length) into.mandatory.push(`${mandatory} Sentinel policies`);
    if (advisory > named.advisory.length) into.advisory.push(`${advisory} Sentinel policies`);
  }
}

// `sentinel.data.<set>.policies[]{policy, result, enforcement-level}` (go-tfe's shape; the
// docs do not spell it out, so it is read only where it is exactly this).
function sentinelFailures(sentinel: Json): { mandatory: string[]; advisory: string[] } {
  const found = { mandatory: [] as string[], advisory: [] as string[] };
  for (const set of Object.values(obj(sentinel.data))) {
    for (const policy of list(obj(set).policies)) {
      const name = text(policy.policy);
      if (name === null || policy.result !== false) continue;
      if (policy['enforcement-level'] === 'advisory') found.advisory.push(name);
      else found.mandatory.push(name);
    }
  }
  return found;
}

/** GET /policy-evaluations/:id/policy-set-outcomes: each outcome's status and enforcement. */
export function readPolicySetOutcomes(document: Json, into: PolicyFindings): void {
  for (const set of list(document.data)) {
    const attributes = obj(set.attributes);
    into.evaluated = true;
    for (const outcome of list(attributes.outcomes)) {
      if (outcome.status !== 'failed' && outcome.status !== 'errored') continue;
      const name = text(outcome.policy_name) ?? text(attributes['policy-set-name']) ?? 'unnamed policy';
      if (outcome.enforcement_level === 'advisory') into.advisory.push(name);
      else into.mandatory.push(name);
    }
  }
}

const MAX_NAME_CHARS = 200;
const names = (values: string[]): string[] =>
  [...new Set(values.map((name) => name.slice(0, MAX_NAME_CHARS)))].sort().slice(0, MAX_NAMES);

export function policyView(findings: PolicyFindings): PolicyView | null {
  if (!findings.evaluated) return null;
  const mandatory = names(findings.mandatory);
  const advisory = names(findings.advisory);
  const outcome: PolicyOutcome =
    mandatory.length > 0 ? 'mandatory_failed' : advisory.length > 0 ? 'advisory_failed' : 'passed';
  return { outcome, mandatory_failed: mandatory, advisory_failed: advisory };
}

/** Which phase's log holds the error: the apply's when it errored, else the plan's. */
export function errorPhase(run: RunDocument): { phase: 'plan' | 'apply'; url: string | null } | null {
  if (run.applyStatus === 'errored') return { phase: 'apply', url: run.applyLogUrl };
  if (run.planStatus === 'errored') return { phase: 'plan', url: run.planLogUrl };
  return null;
}

/** The run's end, when it ended without applying; `status` is the notification's when the API has none. */
export function errorView(
  run: RunDocument,
  notifiedStatus: string | null,
  excerpt: string | null,
): ErrorView | null {
  const status = run.status ?? notifiedStatus;
  if (status === null || !ENDED_STATUSES.has(status)) return null;
  const phase = status === 'errored' ? (errorPhase(run)?.phase ?? null) : null;
  return { status, phase, excerpt };
}
