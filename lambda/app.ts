// createApp(deps): the receiver as a Hono app. Read raw bytes, verify the HMAC, classify, select
// destinations, enqueue, answer. No globals: every dependency comes in through `deps`.
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BridgeConfig } from './core/config/schema';
import {
  BridgeError,
  ClientAbortedError,
  JobTooLargeError,
  MediaTypeError,
  PayloadError,
  QueueError,
  ReplayedError,
  RouteNotFoundError,
  SecretError,
  SignatureError,
} from './core/errors';
import { NO_LABEL, NO_METRICS } from './core/metric-names';
import type { JobQueue, Logger, Metrics, ReplayGuard, SecretStore } from './core/ports';
import { createJobs } from './core/receive/jobs';
import { classifyPayload, parseJsonObject } from './core/receive/payloads';
import { checkReplay } from './core/receive/replay';
import { selectDestinations } from './core/receive/routing';
import { readSignatureHeader } from './core/receive/signature';
import { createSignatureVerifier } from './core/receive/signing-keys';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface AppDeps {
  config: BridgeConfig;
  /** Where signing secrets are read from (cached by the store). */
  secrets: SecretStore;
  queue: JobQueue;
  logger: Logger;
  /** Counts `received` by route and result. */
  metrics?: Metrics;
  now?: () => Date;
  /** Refuses a body already accepted within `config.replayGuard.ttlSeconds` (when both are set). */
  replayGuard?: ReplayGuard;
  /**
   * The level of the line for each answered request below 400. Default info. The Lambda receiver
   * says debug: at volume that line was most of the bridge's CloudWatch Logs bill (docs/deploy.md),
   * and the worker's delivery line already records every notification.
   */
  requestLogLevel?: 'info' | 'debug';
}

/** What happened to a request, for logs and metrics. */
type RequestResult =
  | 'accepted'
  | 'verified'
  | 'rejected_signature'
  | 'rejected_payload'
  | 'rejected_media_type'
  | 'rejected_replay'
  | 'client_aborted'
  | 'too_large'
  | 'not_found'
  | 'unavailable'
  | 'error';

type Env = {
  Variables: {
    result: RequestResult;
    route: string;
    kind: string;
    trigger: string | null;
    /** Which signing key matched (`AWSPREVIOUS`, `signingSecret[1]`, ...), never its value. */
    signingKey: string;
  };
};

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function errorStatus(error: Error): [ContentfulStatusCode, string, RequestResult] {
  if (error instanceof RouteNotFoundError) return [404, 'route_not_found', 'not_found'];
  if (error instanceof SignatureError) return [401, 'invalid_signature', 'rejected_signature'];
  if (error instanceof MediaTypeError) return [415, 'unsupported_media_type', 'rejected_media_type'];
  if (error instanceof PayloadError) return [400, 'invalid_payload', 'rejected_payload'];
  if (error instanceof JobTooLargeError) return [413, 'payload_too_large', 'too_large'];
  if (error instanceof ReplayedError) return [409, 'replayed', 'rejected_replay'];
  // Nobody reads this answer; 400 keeps it out of the 5xx (error) logs and alarms.
  if (error instanceof ClientAbortedError) return [400, 'client_aborted', 'client_aborted'];
  if (error instanceof QueueError) return [503, 'queue_unavailable', 'unavailable'];
  if (error instanceof SecretError) return [503, 'secret_unavailable', 'unavailable'];
  return [500, 'internal_error', 'error'];
}

export function createApp(deps: AppDeps): Hono<Env> {
  const { config, secrets, queue, logger } = deps;
  const metrics = deps.metrics ?? NO_METRICS;
  const now = deps.now ?? (() => new Date());
  const nowMs = deps.now ? () => now().getTime() : Date.now;
  const requestLogLevel = deps.requestLogLevel ?? 'info';
  const routes = new Map(config.routes.map((route) => [route.id, route]));
  // Only configured route ids become metric labels: a stray URL must not add a time series.
  const routeLabel = (id: string | undefined) => (id !== undefined && routes.has(id) ? id : NO_LABEL);
  const verifyRouteSignature = createSignatureVerifier({ secrets, logger, now: nowMs });
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const fields = {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      result: c.get('result') ?? null,
      route: c.get('route') ?? null,
      kind: c.get('kind') ?? null,
      trigger: c.get('trigger') ?? null,
      signingKey: c.get('signingKey') ?? null,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    if (c.res.status >= 500) logger.error('request', fields);
    // A bad signature is someone with the wrong token, or probing the URL: worth a look.
    else if (fields.result === 'rejected_signature') logger.warn('request', fields);
    else if (c.res.status >= 400) logger.info('request', fields);
    else logger[requestLogLevel]('request', fields);
    if (fields.result)
      metrics.count('received', { route: routeLabel(c.get('route')), result: fields.result });
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  const tooLarge = (c: Context<Env>) => {
    c.set('result', 'too_large');
    return c.json({ error: 'payload_too_large', message: `body exceeds ${MAX_BODY_BYTES} bytes` }, 413);
  };
  const limitStreamedBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });

  app.post(
    '/hooks/:routeId',
    // bodyLimit reads c.req.raw.body, which makes @hono/node-server build a web Request with a
    // streaming body for every request (half the receiver's throughput, see docs/performance.md).
    // Only a body without Content-Length needs counting while it streams in; a declared length
    // is checked here, and the bytes actually read are checked again below, since Lambda hands
    // over the whole body whatever the header says.
    async (c, next) => {
      const declared = c.req.header('content-length');
      if (declared === undefined) return limitStreamedBody(c, next);
      if (!(Number(declared) <= MAX_BODY_BYTES)) return tooLarge(c);
      return next();
    },
    async (c) => {
      const routeId = c.req.param('routeId');
      c.set('route', routeId);
      const route = routes.get(routeId);
      if (!route) throw new RouteNotFoundError(routeId);

      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await c.req.arrayBuffer());
      } catch (error) {
        // The client went away mid-body: nobody is left to answer, and it is not our failure.
        throw new ClientAbortedError('the client closed the connection before the body ended', {
          cause: error,
        });
      }
      if (bytes.byteLength > MAX_BODY_BYTES) return tooLarge(c);
      if (!route.allowUnsigned) {
        const signature = readSignatureHeader((name) => c.req.header(name));
        c.set('signingKey', await verifyRouteSignature(route, bytes, signature));
      }
      const contentType = c.req.header('content-type');
      if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
        throw new MediaTypeError('Content-Type must be application/json');
      }
      let body: string;
      try {
        body = utf8.decode(bytes);
      } catch {
        throw new PayloadError('body is not valid UTF-8');
      }
      const parsed = parseJsonObject(body);
      if (!parsed.ok) throw new PayloadError(parsed.reason);

      const notification = classifyPayload(parsed.value);
      c.set('kind', notification.kind);
      c.set('trigger', notification.triggers[0] ?? null);
      if (notification.kind === 'verification') {
        c.set('result', 'verified');
        return c.json({ status: 'verified' }, 200);
      }
      const destinations = selectDestinations(route, notification);
      const destinationIds = destinations.map((d) => d.id);
      const jobs = createJobs(route.id, destinations, body, notification, now());
      if (jobs.length > 0) {
        const replay = await checkReplay(deps.replayGuard, config.replayGuard, route.id, bytes, logger);
        if (replay.replayed) throw new ReplayedError('this notification was already accepted');
        try {
          await queue.enqueue(jobs);
        } catch (error) {
          if (error instanceof BridgeError) throw error;
          throw new QueueError('the delivery queue did not accept the notification', { cause: error });
        }
        // Only now: a notification that was not stored must never look like a replay later.
        await replay.remember();
      }
      c.set('result', 'accepted');
      return c.json({ accepted: destinationIds }, 202);
    },
  );

  app.notFound((c) => {
    c.set('result', 'not_found');
    return c.json({ error: 'not_found', message: `no handler for ${c.req.method} ${c.req.path}` }, 404);
  });

  app.onError((error, c) => {
    const [status, code, result] = errorStatus(error);
    c.set('result', result);
    if (status >= 500) {
      const cause = error.cause instanceof Error ? error.cause.message : undefined;
      logger.error('request failed', {
        route: c.get('route') ?? null,
        error: error.message,
        cause: cause ?? null,
      });
    }
    // Details of server-side failures stay in the logs; the client gets a generic message.
    const message =
      error instanceof SecretError
        ? 'signing secret unavailable, try again later'
        : status === 500
          ? 'internal error'
          : error.message;
    return c.json({ error: code, message }, status);
  });

  return app;
}
