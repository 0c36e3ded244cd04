// A route's enrichment of a run notification: the API reads of hcp-client.ts turned into the
// Enrichment the event view shows. One read per run and status for a few minutes (every
// destination of the route, and the notifications of one burst, share it); a failure is logged
// with its reason and counted as `enrichment_failed`, and never fails a delivery.
import type { RouteConfig } from '../config/schema';
import type { Enricher, EnrichResult, Fetch, Logger, Metrics, SecretStore } from '../ports';
import type { Notification } from '../receive/payloads';
import { link, obj, text } from '../render/event-view/read';
import { readRollUp } from '../render/event-view/roll-up';
import { type ApiClock, EnrichError, type EnrichFailure, HcpApiSession, realClock } from './hcp-client';
import { extractErrorExcerpt } from './log-excerpt';
import {
  type Enrichment,
  errorPhase,
  errorView,
  noFindings,
  policyView,
  readPolicyChecks,
  readPolicySetOutcomes,
  readRunDocument,
  SAFE_ID,
} from './run-details';

export const RUN_INCLUDE = 'plan,apply,cost_estimate,workspace,task_stages';
export const ENRICH_CACHE_TTL_MS = 3 * 60_000;
const MAX_CACHED = 1_000;

export interface EnricherDeps {
  secrets: SecretStore;
  fetch: Fetch;
  logger: Logger;
  metrics?: Metrics;
  clock?: ApiClock;
  ttlMs?: number;
}

const HINTS: Partial<Record<EnrichFailure, string>> = {
  unauthorized:
    'the API refused the token: check enrich.hcpTerraform.token holds a valid user or team API token (not an expired or audit-trail token) for this address',
  not_found:
    'the run is not visible to the token: give its team "Read runs" on the workspace (forbidden reads answer 404), or check enrich.hcpTerraform.address',
};

/** The run id and the status the notification reports (the latest entry of a roll-up). */
export function runOf(notification: Notification): { runId: string; status: string | null } | null {
  if (notification.kind !== 'run') return null;
  const runId = text(notification.payload.run_id);
  if (runId === null || !runId.startsWith('run-') || !SAFE_ID.test(runId)) return null;
  return { runId, status: text(readRollUp(notification.payload.notifications).latest.run_status) };
}

export function createEnricher(deps: EnricherDeps): Enricher {
  const clock = deps.clock ?? realClock;
  const ttlMs = deps.ttlMs ?? ENRICH_CACHE_TTL_MS;
  const cache = new Map<string, { until: number; result: Promise<EnrichResult> }>();
  const warned = new Set<string>();

  const report = (route: RouteConfig, jobId: string, error: EnrichError) => {
    deps.metrics?.count('enrichment_failed', { route: route.id, reason: error.reason });
    const fields = { route: route.id, jobId, reason: error.reason, error: error.message };
    const hint = HINTS[error.reason];
    if (!hint) {
      deps.logger.warn('enrichment_failed: sent without enrichment', fields);
      return;
    }
    // A refused token stays refused: one line per route with the fix, not one per message.
    const once = `${route.id}\n${error.reason}`;
    if (warned.has(once)) deps.logger.debug('enrichment_failed: sent without enrichment', fields);
    else {
      warned.add(once);
      deps.logger.warn('enrichment_failed: sent without enrichment', { ...fields, hint });
    }
  };

  return {
    async enrich(route, notification, jobId) {
      const config = route.enrich?.hcpTerraform;
      const run = config ? runOf(notification) : null;
      if (!config || !run) return null;
      const key = `${route.id}\n${run.runId}\n${run.status ?? ''}`;
      const now = clock.now();
      let entry = cache.get(key);
      if (!entry || entry.until <= now) {
        entry = { until: now + ttlMs, result: readRun(config, run, deps, clock) };
        cache.delete(key);
        cache.set(key, entry);
        if (cache.size > MAX_CACHED) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      const result = await entry.result;
      if (result.ok) return result;
      report(route, jobId, (result as EnrichFailed).error);
      return { ok: false, reason: result.reason };
    },
  };
}

type EnrichFailed = { ok: false; reason: EnrichFailure; error: EnrichError };

async function readRun(
  config: NonNullable<RouteConfig['enrich']>['hcpTerraform'],
  run: { runId: string; status: string | null },
  deps: EnricherDeps,
  clock: ApiClock,
): Promise<EnrichResult | EnrichFailed> {
  let token: string;
  try {
    token = await deps.secrets.getSecret(config.token);
  } catch (error) {
    const failure = new EnrichError(
      'secret_unavailable',
      `token secret unreadable: ${(error as Error).name}`,
    );
    return { ok: false, reason: failure.reason, error: failure };
  }
  const session = new HcpApiSession({
    address: config.address,
    token,
    fetch: deps.fetch,
    clock,
    budgetMs: config.budgetMs,
  });
  try {
    const document = readRunDocument(await session.getDocument(`/runs/${run.runId}?include=${RUN_INCLUDE}`));
    // The reads after the run's are extras: one that fails leaves its part out, not the rest.
    const optional = async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
      try {
        return await read();
      } catch (error) {
        deps.logger.debug('enrichment: part left out', { what, error: (error as Error).message });
        return null;
      }
    };
    const findings = noFindings();
    if (document.hasPolicyChecks) {
      const checks = await optional('policy checks', () =>
        session.getDocument(`/runs/${run.runId}/policy-checks`),
      );
      if (checks) readPolicyChecks(checks, findings);
    }
    for (const id of document.policyEvaluationIds) {
      const outcomes = await optional('policy evaluation', () =>
        session.getDocument(`/policy-evaluations/${id}/policy-set-outcomes`),
      );
      if (outcomes) readPolicySetOutcomes(obj(outcomes), findings);
    }
    let excerpt: string | null = null;
    const logUrl = link(errorPhase(document)?.url);
    if (config.errorExcerpt && (document.status ?? run.status) === 'errored' && logUrl) {
      const log = await optional('error log', () => session.getLog(logUrl));
      excerpt = log === null ? null : extractErrorExcerpt(log, [token]);
    }
    const enrichment: Enrichment = {
      ...document.partial,
      policy: policyView(findings),
      error: errorView(document, run.status, excerpt),
    };
    return { ok: true, enrichment };
  } catch (error) {
    const failure =
      error instanceof EnrichError
        ? error
        : new EnrichError('bad_response', `unreadable answer (${(error as Error).name})`);
    return { ok: false, reason: failure.reason, error: failure };
  } finally {
    session.close();
  }
}
