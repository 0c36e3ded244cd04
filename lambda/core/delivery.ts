// One delivery attempt: render the template, resolve URL and auth from the secret store, POST
// with a timeout, and classify the answer. Retrying is the caller's job (see retry-policy.ts).
import type { Fetch, Logger, SecretStore } from '../ports';
import type { DestinationConfig, RouteConfig } from './config';
import { BridgeError, SecretError, TemplateError } from './errors';
import type { DeliveryJob } from './jobs';
import { classifyPayload, parseJsonObject } from './payloads';
import { type AttemptResult, isRetryableStatus, parseRetryAfter } from './retry-policy';
import { redact } from './secrets';
import type { Renderer } from './templates';

export const USER_AGENT = 'tfe-bridge/0.1 (+https://github.com/tfe-bridge/tfe-bridge)';
const ERROR_SNIPPET_CHARS = 200;

export interface DeliveryTarget {
  route: RouteConfig;
  destination: DestinationConfig;
  render: Renderer;
}

export interface DeliveryDeps {
  secrets: SecretStore;
  fetch: Fetch;
  logger: Logger;
  /** Aborts an in-flight request (shutdown). */
  signal?: AbortSignal;
}

interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
}

/** A failure that will not go away by retrying (bad URL, template error). */
class PermanentError extends BridgeError {}

async function resolveUrl(
  target: DeliveryTarget,
  secrets: SecretStore,
  forceRefresh: boolean,
  seen: Set<string>,
) {
  const { url } = target.destination;
  const value = typeof url === 'string' ? url : await secrets.getSecret(url.secret, { forceRefresh });
  if (typeof url !== 'string') seen.add(value);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new PermanentError('destination URL (from secret) is not a valid URL');
  }
  const insecureAllowed = target.route.allowInsecureHttp && parsed.protocol === 'http:';
  if (parsed.protocol !== 'https:' && !insecureAllowed) {
    throw new PermanentError('destination URL must be https (or set allowInsecureHttp on the route)');
  }
  return parsed.toString();
}

async function authHeaders(
  destination: DestinationConfig,
  secrets: SecretStore,
  forceRefresh: boolean,
  seen: Set<string>,
): Promise<Record<string, string>> {
  const read = async (ref: Parameters<SecretStore['getSecret']>[0]) => {
    const value = await secrets.getSecret(ref, { forceRefresh });
    seen.add(value);
    return value;
  };
  const { auth } = destination;
  switch (auth.type) {
    case 'none':
      return {};
    case 'bearer':
      return { authorization: `Bearer ${await read(auth.secret)}` };
    case 'header':
      return { [auth.name.toLowerCase()]: `${auth.prefix ?? ''}${await read(auth.secret)}` };
    case 'basic': {
      const user = typeof auth.username === 'string' ? auth.username : await read(auth.username);
      const basic = Buffer.from(`${user}:${await read(auth.password)}`).toString('base64');
      seen.add(basic);
      return { authorization: `Basic ${basic}` };
    }
  }
}

async function buildRequest(
  target: DeliveryTarget,
  deps: DeliveryDeps,
  forceRefresh: boolean,
  seen: Set<string>,
) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.destination.headers ?? {}))
    headers[name.toLowerCase()] = value;
  Object.assign(headers, await authHeaders(target.destination, deps.secrets, forceRefresh, seen), {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
  });
  return {
    url: await resolveUrl(target, deps.secrets, forceRefresh, seen),
    headers,
  } satisfies OutgoingRequest;
}

async function send(request: OutgoingRequest, body: string, target: DeliveryTarget, deps: DeliveryDeps) {
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
    const response = await deps.fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body,
      // A redirect could send the credentials to a host the config never named.
      redirect: 'manual',
      signal: controller.signal,
    });
    const text = await response.text().catch(() => '');
    return { response, snippet: text.slice(0, ERROR_SNIPPET_CHARS) };
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
  try {
    const body = await target.render({ body: job.body, notification: classifyPayload(parsed.value) });
    let sent = await send(await buildRequest(target, deps, false, seen), body, target, deps);
    // A 401 may mean the token was rotated: read the secrets again, once, before giving up.
    if (sent.response?.status === 401 && target.destination.auth.type !== 'none') {
      sent = await send(await buildRequest(target, deps, true, seen), body, target, deps);
    }
    if (sent.response) return classify(sent.response, sent.snippet, Date.now());
    return { outcome: 'retry', error: sent.failure } as const;
  } catch (error) {
    if (error instanceof TemplateError || error instanceof PermanentError) {
      return { outcome: 'permanent', error: error.message } as const;
    }
    if (error instanceof SecretError) return { outcome: 'retry', error: error.message } as const;
    throw error;
  }
}

/** Makes one attempt and logs it. Errors in the result are redacted of every secret value used. */
export async function attemptDelivery(
  job: DeliveryJob,
  target: DeliveryTarget,
  attempt: number,
  deps: DeliveryDeps,
): Promise<AttemptResult> {
  const started = performance.now();
  const seen = new Set<string>();
  const raw: AttemptResult = await tryDelivery(job, target, deps, seen);
  const result = 'error' in raw ? { ...raw, error: redact(raw.error, seen) } : raw;
  const fields = {
    route: job.routeId,
    destination: job.destinationId,
    jobId: job.id,
    trigger: job.triggers[0] ?? null,
    attempt,
    outcome: result.outcome,
    status: result.status ?? null,
    durationMs: Math.round(performance.now() - started),
    ...('error' in result ? { error: result.error } : {}),
  };
  if (result.outcome === 'delivered') deps.logger.info('delivery attempt', fields);
  else deps.logger.warn('delivery attempt', fields);
  return result;
}
