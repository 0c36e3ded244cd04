// What an enrichment (core/enrich/) adds to the event view: its fields as they are, for
// templates, and facts (Plan, Apply, Cost, Policy) that every preset already shows.
import type { Enrichment } from '../../enrich/run-details';

/** "25.488/mo (+25.488)": the API's decimal strings as they are; no currency is implied. */
export function costText(cost: Enrichment['cost']): string | null {
  if (!cost || cost.proposed_monthly === null) return null;
  const delta = cost.delta_monthly;
  const signed = delta === null ? '' : ` (${delta.startsWith('-') ? delta : `+${delta}`})`;
  return `${cost.proposed_monthly}/mo${signed}`;
}

export function policyText(policy: Enrichment['policy']): string | null {
  if (!policy) return null;
  if (policy.outcome === 'passed') return 'passed';
  const failed = policy.outcome === 'mandatory_failed' ? policy.mandatory_failed : policy.advisory_failed;
  const label = policy.outcome === 'mandatory_failed' ? 'mandatory failed' : 'advisory failed';
  return failed.length > 0 ? `${label}: ${failed.join(', ')}` : label;
}

export function enrichedFacts(enrichment: Enrichment): Array<[string, string | null]> {
  const { plan, apply } = enrichment;
  const changes = plan?.has_changes === false ? 'no changes' : (plan?.summary ?? null);
  return [
    ['Plan', changes],
    ['Apply', apply?.summary ?? null],
    ['Cost', costText(enrichment.cost)],
    ['Policy', policyText(enrichment.policy)],
  ];
}
