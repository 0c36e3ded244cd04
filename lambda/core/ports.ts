// The interfaces the core needs from the outside world. Adapters (local/, aws/) implement them.
import type { RouteConfig, SecretRef } from './config/schema';

export type { Metrics } from './metric-names';

import type { DeadLetter, DeliveryJob } from './contract';
import type {
  DestinationGuard,
  GuardConfig,
  GuardEvent,
  GuardedDestination,
} from './deliver/destination-guard';
import type { JobProgress } from './deliver/engine';
import type { Enrichment } from './enrich/run-details';
import type { Notification, PayloadKind } from './receive/payloads';
import type { EventView } from './render/event-view';

export interface SecretStore {
  /** The secret's string value (or one key of a JSON secret). `forceRefresh` bypasses any cache. */
  getSecret(ref: SecretRef, options?: { forceRefresh?: boolean }): Promise<string>;
}

export interface JobQueue {
  /** Resolves once every job is stored durably enough to be acknowledged; throws otherwise. */
  enqueue(jobs: readonly DeliveryJob[]): Promise<void>;
}

export interface DeadLetterStore {
  write(letter: DeadLetter): Promise<void>;
}

export type LogFields = Record<string, unknown>;

/** One line per call. Fields must never hold secret values, signatures or auth headers. */
export interface Logger {
  /** Detail for finding a problem; not written at the default level (info). */
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** False when a line at `level` would be dropped, so a wrapper can skip its work (masking). */
  enabled?(level: LogLevelName): boolean;
}

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

/** HTTP out: deliveries, and OAuth2 token requests (deliver/oauth2.ts), through the same client. */
export type Fetch = typeof globalThis.fetch;

/** A client certificate for mutual TLS, as PEM text. */
export interface ClientTls {
  cert: string;
  key: string;
  ca?: string | undefined;
}

/** fetch for a destination that needs a client certificate: the same contract as Fetch (a
 *  Response, `redirect: 'manual'`, abort by signal, network errors with `cause.code`). */
export type TlsFetch = (url: string, init: RequestInit, tls: ClientTls) => Promise<Response>;

/**
 * Signs a finished request with AWS Signature Version 4 (an aws-iam destination): the headers to
 * add (`authorization`, `x-amz-date`, `x-amz-security-token`). `region` undefined: the adapter's
 * own (AWS_REGION). Throws SecretUnavailableError when no credentials can be had now (retried),
 * RequestError when the request cannot be signed at all (no region).
 */
export type AwsRequestSigner = (
  request: { method: string; url: string; headers: Readonly<Record<string, string>>; body: string },
  scope: { service: string; region: string | undefined },
) => Promise<Record<string, string>>;

/**
 * Where an AWS-native destination's API is: the endpoint for `service` in `region` (undefined:
 * the adapter's own region, AWS_REGION), or the one AWS_ENDPOINT_URL_<SERVICE> names (tests, VPC
 * endpoints). Throws RequestError when no region is known.
 */
export type AwsEndpointResolver = (
  service: 'events' | 'sns' | 'sqs',
  region: string | undefined,
) => { url: string; region: string };

/** One version of a secret that may still be in use, e.g. Secrets Manager's `AWSPREVIOUS`. */
export interface SecretVersion {
  /** Which version: a label for logs (never the value). */
  stage: string;
  value: string;
}

/** A SecretStore that keeps versions, so a signing token can be rotated without downtime. */
export interface VersionedSecretStore extends SecretStore {
  /** The current version first, then any previous one still accepted. A missing or unreadable
   *  previous version is left out; only a failure to read the current one throws. */
  getSecretVersions(ref: SecretRef, options?: { forceRefresh?: boolean }): Promise<SecretVersion[]>;
}

/**
 * Remembers which notifications were accepted, to refuse the same signed body replayed later.
 * A key is remembered only after its jobs were stored: nothing that was not acknowledged can make
 * a resend look like a replay. Two copies racing past `seen` are both queued, and the queue's
 * deduplication (SQS FIFO, the local store's 5-minute window) delivers them once.
 */
export interface ReplayGuard {
  /** True if `key` is recorded and not yet expired. */
  seen(key: string): Promise<boolean>;
  /** Records `key` for `ttlSeconds`. */
  remember(key: string, ttlSeconds: number): Promise<void>;
}

/** What a user JSONata template is evaluated with: the raw body (parsed where the template runs,
 *  so a hostile one fails there) and the bindings, as plain data. */
export interface TemplateJob {
  source: string;
  body: string;
  bindings: {
    secrets: Readonly<Record<string, string>>;
    kind: PayloadKind;
    triggers: string[];
    event: EventView;
  };
}

/** Runs user JSONata templates away from this process's event loop, under time and memory limits. */
export interface TemplateSandbox {
  /** The rendered body text; TemplateError when the template throws, runs too long or too deep,
   *  or needs too much memory. */
  render(job: TemplateJob): Promise<string>;
}

/** Per-job progress that must outlive one process (AWS: a DynamoDB item per queued message). */
export interface JobProgressStore {
  read(id: string): Promise<JobProgress | undefined>;
  /** Records an attempt as started, before its request goes out, and returns the progress with it:
   *  an attempt whose process dies still counts (`worker_failed`). */
  markStarted(id: string, current: JobProgress): Promise<JobProgress>;
  save(id: string, progress: JobProgress): Promise<void>;
  forget(id: string): Promise<void>;
}

/** A guard's state as last read or written by this process, with its version. */
export interface GuardBasis {
  snapshot: string;
  version: number | undefined;
}

/** A destination's circuit breaker and token bucket, shared by every process delivering to it. */
export interface SharedGuards {
  /**
   * Runs `step` on the destination's guard as stored, and stores what it changed, as one atomic
   * step across processes (run again on the fresh state after a concurrent change). Returns the
   * step's value, the guard's events of the run that was stored, and the state it left. Given a
   * `basis` (what an earlier step of the same job left), it starts from that instead of reading:
   * a concurrent change still makes a write fail and the step run again on fresh state (a step
   * that changes nothing writes nothing, so it may have seen a slightly old state: harmless, as
   * such a step is a success on a closed circuit or an attempt with tokens to spare).
   */
  use<T>(
    who: GuardedDestination,
    config: GuardConfig,
    step: (guard: DestinationGuard) => T,
    basis?: GuardBasis,
  ): Promise<{ value: T; events: GuardEvent[]; basis: GuardBasis }>;
}

/** Messages held back while a destination's circuit is open, let go at once when it closes. */
export interface HeldMessages {
  hold(destination: string, messageId: string, receiptHandle: string, untilMs: number): Promise<void>;
  /** The receipt handles of every message held for `destination`; they are forgotten. */
  release(destination: string): Promise<string[]>;
}

/** Why an enrichment gave up (enrich/hcp-client.ts); the `reason` of `enrichment_failed`. */
import type { EnrichFailure } from './enrich/hcp-client';

export type { EnrichFailure };

export type EnrichResult = { ok: true; enrichment: Enrichment } | { ok: false; reason: EnrichFailure };

/** Reads run details from the HCP Terraform / TFE API for a route with `enrich`
 *  (enrich/enricher.ts over an injected fetch). Null when the route has no enrichment or the
 *  notification is not about a run. Never throws for an API failure: it says why instead. */
export interface Enricher {
  enrich(route: RouteConfig, notification: Notification, jobId: string): Promise<EnrichResult | null>;
}
