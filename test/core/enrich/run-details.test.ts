import { describe, expect, it } from 'vitest';
import {
  errorView,
  noFindings,
  policyView,
  readCounts,
  readPolicyChecks,
  readPolicySetOutcomes,
  readRunDocument,
} from '../../../lambda/core/enrich/run-details';
import { readApiFixtureFile } from '../../support/hcp-terraform-server';

const fixture = readApiFixtureFile('examples/hcp-api/run-errored.json');
const RUN = '/api/v2/runs/run-FwnENkvDnrpyFC7M';
const doc = (path: string) => fixture[path] as Record<string, unknown>;

describe('readRunDocument', () => {
  it('reads plan and apply counts, cost, tags and what the next reads need', () => {
    const run = readRunDocument(doc(RUN));
    expect(run.status).toBe('errored');
    expect(run.partial.plan).toEqual({
      add: 2,
      change: 1,
      destroy: 0,
      import: 0,
      summary: '+2 ~1 -0',
      has_changes: true,
      status: 'finished',
    });
    // resource-imports is null in the apply: unknown, not 0.
    expect(run.partial.apply).toMatchObject({ add: 1, import: null, summary: '+1 ~0 -0' });
    expect(run.partial.cost).toEqual({
      proposed_monthly: '25.488',
      delta_monthly: '25.488',
      prior_monthly: '0.0',
      status: 'finished',
    });
    expect(run.partial.workspace_tags).toEqual(['prod', 'team-a']);
    expect(run.hasPolicyChecks).toBe(true);
    expect(run.policyEvaluationIds).toEqual(['poleval-8Jj9Hfoz892D9WMX']);
    expect(run.applyStatus).toBe('errored');
  });

  it('shows unknown counts as ? and imports when there are some', () => {
    expect(readCounts({ 'resource-additions': null, 'resource-changes': 3 }).summary).toBe('+? ~3 -?');
    expect(
      readCounts({
        'resource-additions': 1,
        'resource-changes': 0,
        'resource-destructions': 0,
        'resource-imports': 2,
      }).summary,
    ).toBe('+1 ~0 -0 (2 imports)');
    expect(
      readCounts({ 'resource-additions': -1, 'resource-changes': 1.5, 'resource-destructions': '2' }).summary,
    ).toBe('+? ~? -?');
  });

  it('survives hostile and empty documents', () => {
    for (const value of [
      {},
      { data: null },
      { data: [] },
      { data: { relationships: { plan: { data: 'x' } } }, included: 'no' },
    ]) {
      const run = readRunDocument(value as Record<string, unknown>);
      expect(run.partial).toEqual({ plan: null, apply: null, cost: null, workspace_tags: [] });
    }
  });

  it('keeps cost strings as decimals and refuses anything else', () => {
    const document = structuredClone(doc(RUN)) as {
      included: Array<{ type: string; attributes: Record<string, unknown> }>;
    };
    const cost = document.included.find((r) => r.type === 'cost-estimates');
    if (!cost) throw new Error('fixture has a cost estimate');
    cost.attributes['proposed-monthly-cost'] = '1e309';
    cost.attributes['delta-monthly-cost'] = '-3.10';
    expect(readRunDocument(document).partial.cost).toMatchObject({
      proposed_monthly: null,
      delta_monthly: '-3.10',
    });
  });
});

describe('policy outcome', () => {
  it('combines policy checks and policy evaluations, with the failing names', () => {
    const findings = noFindings();
    readPolicyChecks(doc(`${RUN}/policy-checks`), findings);
    readPolicySetOutcomes(
      doc('/api/v2/policy-evaluations/poleval-8Jj9Hfoz892D9WMX/policy-set-outcomes'),
      findings,
    );
    expect(policyView(findings)).toEqual({
      outcome: 'mandatory_failed',
      mandatory_failed: ['sentinel-policy-networking/restrict-public-ingress'],
      advisory_failed: ['cost-center-label'],
    });
  });

  it('is advisory failed, passed, or absent when nothing was evaluated', () => {
    const advisory = noFindings();
    readPolicySetOutcomes(
      doc('/api/v2/policy-evaluations/poleval-8Jj9Hfoz892D9WMX/policy-set-outcomes'),
      advisory,
    );
    expect(policyView(advisory)?.outcome).toBe('advisory_failed');
    const passed = noFindings();
    readPolicyChecks({ data: [{ attributes: { result: { 'hard-failed': 0, 'soft-failed': 0 } } }] }, passed);
    expect(policyView(passed)).toEqual({ outcome: 'passed', mandatory_failed: [], advisory_failed: [] });
    expect(policyView(noFindings())).toBeNull();
    const counted = noFindings();
    readPolicyChecks({ data: [{ attributes: { result: { 'hard-failed': 2 } } }] }, counted);
    expect(policyView(counted)?.mandatory_failed).toEqual(['2 Sentinel policies']);
  });
});

describe('errorView', () => {
  it('names the phase of an errored run, and says canceled and discarded apart', () => {
    const run = readRunDocument(doc(RUN));
    expect(errorView(run, 'errored', 'Error: x')).toEqual({
      status: 'errored',
      phase: 'apply',
      excerpt: 'Error: x',
    });
    const discarded = { ...run, status: 'discarded' };
    expect(errorView(discarded, 'errored', null)).toEqual({
      status: 'discarded',
      phase: null,
      excerpt: null,
    });
    expect(errorView({ ...run, status: null }, 'canceled', null)?.status).toBe('canceled');
    expect(errorView({ ...run, status: 'applied' }, 'applied', null)).toBeNull();
  });
});
