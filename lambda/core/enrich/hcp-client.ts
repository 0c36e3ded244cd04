// The HCP Terraform / TFE API reads of one enrichment, within one time budget: JSON:API GETs
// with the token (LIVE-MESSAGES.md §1.1), the log URL without it (a signed URL, maybe another
// host), a 429 waited out per X-RateLimit-Reset when the budget allows. fetch and the clock are
// injected, so tests drive it against a local server (test/support/hcp-terraform-server.ts).
import { readStart } from '../deliver/read-start';
import type { Fetch } from '../ports';

/** Why an enrichment gave up; also the `reason` label of `enrichment_failed`. */
export type EnrichFailure =
  | 'timeout'
  | 'rate_limited'
  | 'unauthorized'
  | 'not_found'
  | 'http_error'
  | 'network_error'
  | 'bad_response'
  | 'secret_unavailable';

export class EnrichError extends Error {
  constructor(
    readonly reason: EnrichFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'EnrichError';
  }
}

/** The most of a JSON:API document or a log read (a run document is a few kB; a log may be large). */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
export const MAX_LOG_BYTES = 2 * 1024 * 1024;

export interface ApiClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: ApiClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const stop = () => {
        clearTimeout(timer);
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
    }),
};

/** X-RateLimit-Reset: float seconds until the limit resets (go-tfe's reading). */
export function rateLimitWaitMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : null;
}

export class HcpApiSession {
  private readonly deadline: number;
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly options: {
      address: string;
      token: string;
      fetch: Fetch;
      clock: ApiClock;
      budgetMs: number;
    },
  ) {
    this.deadline = options.clock.now() + options.budgetMs;
    // One timer for the whole budget: every read and wait of the job shares it.
    this.timer = setTimeout(() => this.controller.abort(), options.budgetMs);
  }

  close(): void {
    clearTimeout(this.timer);
    this.controller.abort();
  }

  private remaining(): number {
    return this.deadline - this.options.clock.now();
  }

  /** GET <address>/api/v2<path> as JSON:API; waits out one 429 if the budget allows. */
  async getDocument(path: string): Promise<Record<string, unknown>> {
    const url = new URL(`/api/v2${path}`, this.options.address).toString();
    const headers = {
      accept: 'application/vnd.api+json',
      authorization: `Bearer ${this.options.token}`,
    };
    let response = await this.send(url, headers);
    if (response.status === 429) {
      const waitMs = rateLimitWaitMs(response.headers.get('x-ratelimit-reset')) ?? 1_000;
      await response.body?.cancel().catch(() => undefined);
      if (waitMs >= this.remaining()) {
        throw new EnrichError(
          'rate_limited',
          `HTTP 429: the API asks to wait ${waitMs} ms, past the budget`,
          429,
        );
      }
      await this.options.clock.sleep(waitMs, this.controller.signal);
      response = await this.send(url, headers);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw statusError(response.status);
    }
    const text = await this.read(response, MAX_DOCUMENT_BYTES);
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // fall through
    }
    throw new EnrichError('bad_response', `GET ${path}: the answer is not a JSON:API document`);
  }

  /** A log's text from its signed URL: no token is sent (it may be another host). */
  async getLog(url: string): Promise<string> {
    const response = await this.send(url, {});
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw statusError(response.status);
    }
    return this.read(response, MAX_LOG_BYTES);
  }

  private async read(response: Response, maxBytes: number): Promise<string> {
    try {
      return await readStart(response.body, maxBytes);
    } catch (error) {
      throw this.failure(error);
    }
  }

  private async send(url: string, headers: Record<string, string>): Promise<Response> {
    if (this.remaining() <= 0)
      throw new EnrichError('timeout', `no answer within ${this.options.budgetMs} ms`);
    try {
      return await this.options.fetch(url, {
        method: 'GET',
        headers,
        redirect: 'manual',
        signal: this.controller.signal,
      });
    } catch (error) {
      throw this.failure(error);
    }
  }

  private failure(error: unknown): EnrichError {
    if (this.controller.signal.aborted) {
      return new EnrichError('timeout', `no answer within ${this.options.budgetMs} ms`);
    }
    const cause = (error as { cause?: { code?: string } }).cause;
    return new EnrichError('network_error', `network error: ${cause?.code ?? (error as Error).name}`);
  }
}

function statusError(status: number): EnrichError {
  if (status === 401) return new EnrichError('unauthorized', 'HTTP 401: the token was refused', 401);
  if (status === 404) return new EnrichError('not_found', 'HTTP 404: not found or not permitted', 404);
  if (status === 429) return new EnrichError('rate_limited', 'HTTP 429: rate limited twice', 429);
  return new EnrichError('http_error', `HTTP ${status}`, status);
}
