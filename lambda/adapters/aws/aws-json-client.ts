// A minimal client for AWS's JSON protocol (POST / with X-Amz-Target and a JSON body, SigV4),
// enough for the receiver's SendMessageBatch and GetSecretValue. It replaces the AWS SDK on the
// receiver, where the SDK was two thirds of the bundle (docs/performance.md). It keeps what the
// SDK's standard mode gives those calls: the endpoint overrides, retries of throttling, 5xx and
// network errors with jittered backoff, a per-attempt timeout, and errors named by AWS error code.

import { postOnce } from './https-post';
import { type AwsCredentials, signRequest } from './sigv4';

export interface AwsService {
  /** For messages: `SQS`, `Secrets Manager`. */
  label: string;
  /** The SigV4 signing name, also the endpoint's first label. */
  signingName: string;
  /** `X-Amz-Target` is `<targetPrefix>.<operation>`. */
  targetPrefix: string;
  contentType: string;
  /** The service's part of `AWS_ENDPOINT_URL_<ID>`. */
  endpointEnvId: string;
}

export const SQS: AwsService = {
  label: 'SQS',
  signingName: 'sqs',
  targetPrefix: 'AmazonSQS',
  contentType: 'application/x-amz-json-1.0',
  endpointEnvId: 'SQS',
};

export const SECRETS_MANAGER: AwsService = {
  label: 'Secrets Manager',
  signingName: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  contentType: 'application/x-amz-json-1.1',
  endpointEnvId: 'SECRETS_MANAGER',
};

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;
/** The SDK's standard retry mode: full jitter over 100 ms doublings, 500 ms when throttled. */
const RETRY_BASE_DELAY_MS = 100;
const THROTTLED_BASE_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 20_000;

// The SDK's list (@smithy/service-error-classification), plus the Secrets Manager and SQS codes.
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

export interface AwsErrorDetails {
  /** Absent when no answer came (network error, timeout). */
  httpStatusCode?: number | undefined;
  requestId?: string | undefined;
  attempts: number;
  /** SQS's legacy query-protocol code (`AWS.SimpleQueueService.NonExistentQueue`). */
  queryErrorCode?: string | undefined;
  /** The socket error code (`ECONNREFUSED`, ...) of a network error. */
  code?: string | undefined;
  cause?: unknown;
}

/**
 * A failed AWS call. `name` is the AWS error code as the SDK names its exceptions
 * (`ThrottlingException`, `ResourceNotFoundException`, `QueueDoesNotExist`), `TimeoutError` for
 * a timed-out attempt, `NetworkError` when no answer came. `$metadata` has the SDK's shape, so
 * code written against SDK errors reads it the same way.
 */
export class AwsError extends Error {
  override readonly name: string;
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  readonly queryErrorCode: string | undefined;
  readonly code: string | undefined;

  constructor(name: string, message: string, details: AwsErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = name;
    this.$metadata = {
      attempts: details.attempts,
      ...(details.httpStatusCode === undefined ? {} : { httpStatusCode: details.httpStatusCode }),
      ...(details.requestId === undefined ? {} : { requestId: details.requestId }),
    };
    this.queryErrorCode = details.queryErrorCode;
    this.code = details.code;
  }
}

/** A client that cannot be built from the environment (no region, no credentials). */
export class AwsConfigError extends Error {
  override name = 'AwsConfigError';
}

export interface AwsJsonClientOptions {
  service: AwsService;
  region: string;
  credentials: AwsCredentials;
  /** Default `https://<signingName>.<region>.amazonaws.com`. */
  endpoint?: string | undefined;
  maxAttempts?: number;
  attemptTimeoutMs?: number;
  now?: () => Date;
  /** Between attempts; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isRetryable(error: AwsError): boolean {
  if (THROTTLING_CODES.has(error.name) || TRANSIENT_CODES.has(error.name)) return true;
  const status = error.$metadata.httpStatusCode;
  return status === undefined || TRANSIENT_STATUSES.has(status);
}

/** `com.amazonaws.sqs#QueueDoesNotExist:http://...` → `QueueDoesNotExist`, as the SDK does. */
function sanitizeErrorCode(raw: string): string {
  let code = raw;
  if (code.includes(':')) code = code.split(':')[0] ?? code;
  if (code.includes('#')) code = code.split('#')[1] ?? code;
  return code;
}

export class AwsJsonClient {
  readonly endpoint: URL;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: AwsJsonClientOptions) {
    const { service, region } = options;
    const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
    this.endpoint = new URL(options.endpoint ?? `https://${service.signingName}.${region}.${suffix}`);
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? sleep;
  }

  /** One operation, retried like the SDK's standard mode; resolves to the parsed JSON answer. */
  async call<Output>(operation: string, input: object): Promise<Output> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.attempt(operation, body, attempt)) as Output;
      } catch (error) {
        if (!(error instanceof AwsError) || attempt >= this.maxAttempts || !isRetryable(error)) throw error;
        const base = THROTTLING_CODES.has(error.name) ? THROTTLED_BASE_DELAY_MS : RETRY_BASE_DELAY_MS;
        await this.sleep(Math.random() * Math.min(MAX_RETRY_DELAY_MS, base * 2 ** (attempt - 1)));
      }
    }
  }

  private async attempt(operation: string, body: string, attempts: number): Promise<unknown> {
    const { service, region, credentials } = this.options;
    const what = `${service.label} ${operation}`;
    const headers: Record<string, string> = {
      'content-type': service.contentType,
      'x-amz-target': `${service.targetPrefix}.${operation}`,
    };
    const signed = signRequest(
      { method: 'POST', url: this.endpoint, headers, body },
      { credentials, region, service: service.signingName, date: this.now() },
    );
    // A plain timer + controller rather than AbortSignal.timeout(): see core/deliver/attempt.ts.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.attemptTimeoutMs);
    let response: Awaited<ReturnType<typeof postOnce>>;
    try {
      response = await postOnce(this.endpoint, { ...headers, ...signed }, body, controller.signal);
    } catch (error) {
      if (controller.signal.aborted) {
        throw new AwsError('TimeoutError', `${what}: no answer within ${this.attemptTimeoutMs} ms`, {
          attempts,
          cause: error,
        });
      }
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : (error as Error).message;
      throw new AwsError('NetworkError', `${what}: network error (${reason})`, {
        attempts,
        code: typeof code === 'string' ? code : undefined,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    const { status, header, text } = response;
    const ok = status >= 200 && status < 300;
    const requestId = header('x-amzn-requestid');
    let parsed: unknown = {};
    try {
      if (text !== '') parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      // A proxy or load balancer page, not AWS: report the status only (never the body).
      const name = ok ? 'SerializationError' : `Http${status}`;
      throw new AwsError(name, `${what}: HTTP ${status} with a body that is not a JSON object`, {
        httpStatusCode: status,
        requestId,
        attempts,
      });
    }
    if (ok) return parsed;
    const answer = parsed as Record<string, unknown>;
    const rawCode =
      header('x-amzn-errortype') ??
      (typeof answer.__type === 'string' ? answer.__type : undefined) ??
      (typeof answer.code === 'string' ? answer.code : undefined);
    const name = rawCode ? sanitizeErrorCode(rawCode) : `Http${status}`;
    const message = answer.message ?? answer.Message;
    const queryErrorCode = header('x-amzn-query-error')?.split(';')[0];
    throw new AwsError(
      name,
      `${what} failed: ${name} (HTTP ${status})${typeof message === 'string' ? `: ${message}` : ''}`,
      { httpStatusCode: status, requestId, attempts, queryErrorCode },
    );
  }
}

export type EnvSource = Readonly<Record<string, string | undefined>>;

/**
 * A client configured as the SDK's default chain does on Lambda: region from AWS_REGION,
 * credentials from the AWS_* variables Lambda sets for the execution role, and the endpoint
 * overrides AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL.
 */
export function awsJsonClientFromEnv(
  service: AwsService,
  options: Pick<AwsJsonClientOptions, 'maxAttempts' | 'attemptTimeoutMs'> = {},
  env: EnvSource = process.env,
): AwsJsonClient {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const problems = [
    ...(region ? [] : ['AWS_REGION is not set']),
    ...(accessKeyId ? [] : ['AWS_ACCESS_KEY_ID is not set']),
    ...(secretAccessKey ? [] : ['AWS_SECRET_ACCESS_KEY is not set']),
    // The SDK would switch hosts for these; this client does not know those hosts.
    ...['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT']
      .filter((name) => env[name]?.toLowerCase() === 'true')
      .map((name) => `${name} is not supported here: set AWS_ENDPOINT_URL_${service.endpointEnvId} instead`),
  ];
  if (!region || !accessKeyId || !secretAccessKey || problems.length > 0) {
    throw new AwsConfigError(`cannot call ${service.label}: ${problems.join('; ')}`);
  }
  const configured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() !== 'true';
  const endpoint = configured
    ? env[`AWS_ENDPOINT_URL_${service.endpointEnvId}`] || env.AWS_ENDPOINT_URL || undefined
    : undefined;
  return new AwsJsonClient({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined },
    endpoint,
    ...options,
  });
}
