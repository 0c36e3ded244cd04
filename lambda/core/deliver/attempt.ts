// One delivery attempt: build the request (outgoing-request.ts), POST it with a timeout, and
// classify the answer. Retrying is the caller's job (see retry-policy.ts).

import { awsTargetOf } from '../config/aws-targets';
import type { DeliveryJob } from '../contract';
import type { Enrichment } from '../enrich/run-details';
import {
  AuthFailedError,
  InvalidSecretError,
  RequestError,
  SecretUnavailableError,
  TemplateError,
  TokenUnavailableError,
} from '../errors';
import type {
  AwsEndpointResolver,
  AwsRequestSigner,
  Enricher,
  Fetch,
  Logger,
  Metrics,
  SecretStore,
  TlsFetch,
} from '../ports';
import { classifyPayload, type Notification, parseJsonObject } from '../receive/payloads';
import { cutText } from '../redaction';
import { classifyAwsAnswer } from './aws-call';
import type { Step } from './engine';
import { deliverLive, type LiveRequest, type LiveTransport } from './live/live-delivery';
import type { LiveMessageStore } from './live/live-state';
import { OAuth2Tokens } from './oauth2';
import { readStart } from './read-start';
import { buildRequest, type DeliveryTarget, type OutgoingRequest } from './request';
import { type AttemptResult, isRetryableStatus, parseRetryAfter } from './retry-policy';
import { skipReason } from './route-filter';

export type { DeliveryTarget };

/** The most of a response body ever read: enough for an error message, and a destination that
 *  streams gigabytes cannot fill the bridge's memory. The rest is never read. */
export const MAX_RESPONSE_READ_BYTES = 4 * 1024;
/** An attempt's error text (status and the start of the body), after masking secrets. */
export const MAX_ERROR_CHARS = 300;

export interface DeliveryDeps {
  secrets: SecretStore;
  fetch: Fetch;
  logger: Logger;
  /** Observes `delivery_latency`; the callers count outcomes, since they decide retry or dead letter. */
  metrics?: Metrics;
  /** Aborts an in-flight request (shutdown). */
  signal?: AbortSignal;
  /** Sends the requests of destinations with a client certificate (`tls`). */
  fetchTls: TlsFetch;
  /** Signs aws-iam destinations' requests with SigV4. Required: without it buildRequest would
   *  put `render`'s placeholder where the signature goes. */
  signAws: AwsRequestSigner;
  /** Where AWS-native destinations' APIs are (eventbridge, sns, sqs). */
  awsEndpoint: AwsEndpointResolver;
  /** Which message shows which run, for `live` destinations (without it each posts anew). */
  liveMessages?: LiveMessageStore;
  /** OAuth2 access tokens, shared by every delivery of the process (the runtimes pass theirs;
   *  without one, each attempt fetches its own token). */
  tokens?: OAuth2Tokens;
  /** Reads run details for routes with `enrich` (core/enrich/); without one, nothing is read. */
  enricher?: Enricher;
}

/** Sends with the destination's timeout; reads a 2xx body up to `okReadBytes` (live messages need
 *  the id in it), any other up to MAX_RESPONSE_READ_BYTES. */
async function send(
  request: OutgoingRequest | LiveRequest,
  target: DeliveryTarget,
  deps: DeliveryDeps,
  okReadBytes = 0,
) {
  const { timeoutMs } = target.destination;
  // A plain timer + controller, not AbortSignal.any([AbortSignal.timeout(...)]): Node holds
  // timeout signals weakly, and under load one combined that way was collected and never
  // fired, leaving an attempt hanging for a minute (seen in the fault-injection test).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onShutdown = () => controller.abort();
  deps.signal?.addEventListener('abort', onShutdown, { once: true });
  try {
    const init: RequestInit = {
      method: request.method,
      headers: request.headers,
      body: request.body,
      // A redirect could send the credentials to a host the config never named.
      redirect: 'manual',
      signal: controller.signal,
    };
    const response = await (request.tls
      ? deps.fetchTls(request.url, init, request.tls)
      : deps.fetch(request.url, init));
    // A 2xx is decided by its status: its body is not waited for (it may never end).
    const delivered = response.status >= 200 && response.status < 300;
    const snippet = await readStart(
      response.body,
      delivered ? okReadBytes : Math.max(okReadBytes, MAX_RESPONSE_READ_BYTES),
    );
    return { response, snippet };
  } catch (error) {
    if (timedOut) return { failure: `timeout after ${timeoutMs} ms` };
    if (deps.signal?.aborted) return { failure: 'aborted: the bridge is shutting down' };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { failure: `network error: ${cause?.code ?? cause?.message ?? (error as Error).message}` };
  } finally {
    clearTimeout(timer);
    deps.signal?.removeEventListener('abort', onShutdown);
  }
}

function classify(response: Response, snippet: string, now: number): AttemptResult {
  const { status } = response;
  if (status >= 200 && status < 300) return { outcome: 'delivered', status };
  const error = snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`;
  if (status >= 300 && status < 400) {
    return {
      outcome: 'permanent',
      status,
      error: `HTTP ${status}: redirects are not followed; configure the final URL`,
    };
  }
  if (!isRetryableStatus(status)) return { outcome: 'permanent', status, error };
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  return retryAfterMs === undefined
    ? { outcome: 'retry', status, error }
    : { outcome: 'retry', status, error, retryAfterMs };
}

async function tryDelivery(job: DeliveryJob, target: DeliveryTarget, deps: DeliveryDeps, seen: Set<string>) {
  const parsed = parseJsonObject(job.body);
  if (!parsed.ok)
    return { outcome: 'permanent', error: `stored payload is unusable: ${parsed.reason}` } as const;
  const notification = classifyPayload(parsed.value);
  const enrichment = await enrichmentFor(job, target, notification, deps);
  // buildRequest hands the whole input to the renderer, enrichment included.
  const input = { body: job.body, notification, ...(enrichment ? { enrichment } : {}) };
  const tokens = deps.tokens ?? new OAuth2Tokens({ fetch: deps.fetch });
  const now = Date.now();
  const build = (forceRefresh: boolean, rejectedToken?: string) =>
    buildRequest(target, input, deps.secrets, {
      forceRefresh,
      seen,
      tokens,
      now,
      signAws: deps.signAws,
      awsEndpoint: deps.awsEndpoint,
      ...(rejectedToken === undefined ? {} : { rejectedToken }),
    });
  const { auth, sign } = target.destination;
  try {
    const skipped = await skipReason(target.destination.filter, target.render, input);
    if (skipped !== null) return { outcome: 'skipped', reason: skipped } as const;
    const { live } = target.destination;
    if (live !== undefined) {
      const transport: LiveTransport = {
        send: (request, readBytes) => send(request, target, deps, readBytes),
        classify: (response, snippet) => classify(response, snippet, Date.now()),
      };
      return await deliverLive({
        job,
        notification: input.notification,
        request: await build(false),
        rebuild: () => build(true),
        service: target.destination.template.preset === 'discord' ? 'discord' : 'slack',
        channel: live === true ? undefined : live.channel,
        thread: live !== true && live.thread === true,
        store: deps.liveMessages,
        transport,
        logger: deps.logger,
      });
    }
    const request = await build(false).catch((error: unknown) => {
      // A refused client secret may be one rotated since it was read: read it again, once.
      if (error instanceof AuthFailedError) return build(true);
      throw error;
    });
    const aws = awsTargetOf(target.destination);
    if (aws) {
      // EventBridge's 200 lists failed entries: its body is read too.
      const answer = await send(request, target, deps, MAX_RESPONSE_READ_BYTES);
      if (!answer.response) return { outcome: 'retry', error: answer.failure } as const;
      return classifyAwsAnswer(aws, answer.response.status, answer.snippet, answer.response.headers);
    }
    let sent = await send(request, target, deps);
    // A 401 may mean a secret was rotated (or an OAuth2 token revoked): read the secrets again
    // and fetch a new token, once, before giving up.
    if (sent.response?.status === 401 && (auth.type !== 'none' || sign !== undefined)) {
      deps.logger.info('destination answered 401: secrets read again, request sent once more', {
        route: job.routeId,
        destination: job.destinationId,
        jobId: job.id,
      });
      const rejected =
        auth.type === 'oauth2' ? request.headers.authorization?.slice('Bearer '.length) : undefined;
      sent = await send(await build(true, rejected), target, deps);
    }
    if (sent.response) return classify(sent.response, sent.snippet, Date.now());
    return { outcome: 'retry', error: sent.failure } as const;
  } catch (error) {
    if (error instanceof AuthFailedError) {
      return { outcome: 'permanent', reason: 'auth_failed', error: error.message } as const;
    }
    // Permanent without a status: the destination was never asked, so no outage is counted.
    if (
      error instanceof TemplateError ||
      error instanceof RequestError ||
      error instanceof InvalidSecretError
    ) {
      return { outcome: 'permanent', error: error.message } as const;
    }
    if (error instanceof SecretUnavailableError || error instanceof TokenUnavailableError) {
      return { outcome: 'retry', error: error.message } as const;
    }
    throw error;
  }
}

/** The route's enrichment, or undefined: no enrichment, not a run, or the API failed (the
 *  enricher has logged and counted why). Never fails the delivery. */
async function enrichmentFor(
  job: DeliveryJob,
  target: DeliveryTarget,
  notification: Notification,
  deps: DeliveryDeps,
): Promise<Enrichment | undefined> {
  if (!deps.enricher || target.route.enrich === undefined) return undefined;
  try {
    const result = await deps.enricher.enrich(target.route, notification, job.id);
    return result?.ok ? result.enrichment : undefined;
  } catch (error) {
    deps.logger.warn('enrichment_failed: sent without enrichment', {
      route: job.routeId,
      jobId: job.id,
      reason: 'internal',
      error: (error as Error).name,
    });
    return undefined;
  }
}

/** One attempt's result, and what its log line says besides the decision taken on it. */
export interface AttemptReport {
  result: AttemptResult;
  fields: {
    route: string;
    destination: string;
    jobId: string;
    trigger: string | null;
    attempt: number;
    status: number | null;
    durationMs: number;
    error?: string;
    skipped?: string;
  };
}

/** Makes one attempt; never throws. Errors in the result are masked of every secret value used (in every
 *  spelling), then cut to MAX_ERROR_CHARS: in that order, so no cut leaves part of one. The
 *  runtime logs the attempt with logAttempt() once the state machine has decided what follows,
 *  so the line says what happened (a last failure reads `dead-lettered`, not `retry`). */
export async function attemptDelivery(
  job: DeliveryJob,
  target: DeliveryTarget,
  attempt: number,
  deps: DeliveryDeps,
): Promise<AttemptReport> {
  const started = performance.now();
  const seen = new Set<string>();
  const raw: AttemptResult = await tryDelivery(job, target, deps, seen).catch((error: unknown) => {
    // Anything not classified (a payload that breaks the event view, a bug): the same input fails
    // the same way, so it is permanent for this job, never an error that leaves a delivery lane.
    const { name, message } = error as Error;
    return {
      outcome: 'permanent',
      error: `internal error (${name}): ${String(message).slice(0, 200)}`,
    } as const;
  });
  const result = 'error' in raw ? { ...raw, error: cutText(raw.error, MAX_ERROR_CHARS, seen) } : raw;
  const durationMs = performance.now() - started;
  deps.metrics?.observe(
    'delivery_latency',
    { route: job.routeId, destination: job.destinationId },
    durationMs,
  );
  return {
    result,
    fields: {
      route: job.routeId,
      destination: job.destinationId,
      jobId: job.id,
      trigger: job.triggers[0] ?? null,
      attempt,
      status: result.status ?? null,
      durationMs: Math.round(durationMs),
      ...('error' in result ? { error: result.error } : {}),
      ...(result.outcome === 'skipped' ? { skipped: result.reason } : {}),
    },
  };
}

const OUTCOMES = { done: 'delivered', retry: 'retry', wait: 'held', 'dead-letter': 'dead-lettered' } as const;

/** The attempt's log line, with the decision taken on it as `outcome`. */
export function logAttempt(logger: Logger, report: AttemptReport, decided: Step['action']): void {
  const outcome = decided === 'attempt' ? 'retry' : OUTCOMES[decided];
  if (report.result.outcome === 'skipped')
    logger.info('delivery skipped', { ...report.fields, outcome: 'skipped' });
  else if (outcome === 'delivered') logger.info('delivery attempt', { ...report.fields, outcome });
  else logger.warn('delivery attempt', { ...report.fields, outcome });
}
