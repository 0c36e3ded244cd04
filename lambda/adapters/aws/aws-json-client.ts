// A minimal client for AWS's JSON protocol (POST / with X-Amz-Target and a JSON body, SigV4),
// enough for the Lambdas' calls to SQS, Secrets Manager and DynamoDB. It replaces the AWS SDK on
// both Lambdas, where the SDK was most of the bundle (docs/performance.md). It keeps what the
// SDK's standard mode gives those calls: the endpoint overrides and every partition's endpoints,
// retries of throttling, 5xx and network errors with jittered backoff, clock-skew correction, a
// per-attempt timeout, and errors named by AWS error code.

import type { AwsCaller, AwsOperation, AwsOperations } from './aws-caller';
import { standardEndpoint } from './aws-endpoints';
import { AwsError, firstLineOf, isRetryable, sanitizeErrorCode, THROTTLING_CODES } from './aws-error';
import { correctedClockOffset } from './clock-skew';
import { postOnce } from './https-post';
import { type AwsCredentials, signRequest } from './sigv4';

export interface AwsService {
  /** For messages: `SQS`, `Secrets Manager`, `DynamoDB`. */
  label: string;
  /** The SigV4 signing name, also the endpoint's first label (true of the three services here). */
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

export const DYNAMODB: AwsService = {
  label: 'DynamoDB',
  signingName: 'dynamodb',
  targetPrefix: 'DynamoDB_20120810',
  contentType: 'application/x-amz-json-1.0',
  endpointEnvId: 'DYNAMODB',
};

export type { AwsCaller } from './aws-caller';
export { AwsError, type AwsErrorDetails } from './aws-error';

export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 5_000;
/** The SDK's standard retry mode: full jitter over 100 ms doublings, 500 ms when throttled. */
const RETRY_BASE_DELAY_MS = 100;
const THROTTLED_BASE_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 20_000;

/** A client that cannot be built from the environment (no region, no credentials). */
export class AwsConfigError extends Error {
  override name = 'AwsConfigError';
}

/** What a caller may bound: attempts per call and each attempt's time. */
export type ClientLimits = Pick<AwsJsonClientOptions, 'maxAttempts' | 'attemptTimeoutMs'>;

export interface AwsJsonClientOptions {
  service: AwsService;
  region: string;
  credentials: AwsCredentials;
  /** Default: the region's standard endpoint in its partition (`aws-endpoints.ts`). */
  endpoint?: string | undefined;
  maxAttempts?: number;
  attemptTimeoutMs?: number;
  /** The host's clock; signing dates are this plus the offset learned from a clock-skew answer. */
  now?: () => Date;
  /** Between attempts; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AwsJsonClient implements AwsCaller {
  readonly endpoint: URL;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds to add to `now()` to sign with AWS's time; kept for the client's life, as the SDK does. */
  private clockOffsetMs = 0;

  constructor(private readonly options: AwsJsonClientOptions) {
    const { service, region } = options;
    this.endpoint = new URL(options.endpoint ?? standardEndpoint(service.signingName, region));
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? sleep;
  }

  /** One operation, retried like the SDK's standard mode; resolves to the parsed JSON answer. */
  async call<Op extends AwsOperation>(
    operation: Op,
    input: AwsOperations[Op]['input'],
  ): Promise<AwsOperations[Op]['output']> {
    const body = JSON.stringify(input);
    let skewRetried = false;
    for (let attempt = 1; ; attempt++) {
      try {
        // AWS's answer, as its API documents it for this operation.
        return (await this.attempt(operation, body, attempt)) as AwsOperations[Op]['output'];
      } catch (error) {
        if (!(error instanceof AwsError) || attempt >= this.maxAttempts) throw error;
        // Signed again at once with the corrected clock; once, as a second refusal is not the clock.
        if (error.$metadata.clockSkewCorrected && !skewRetried) {
          skewRetried = true;
          continue;
        }
        if (!isRetryable(error)) throw error;
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
    const signedAt = new Date(this.now().getTime() + this.clockOffsetMs);
    const signed = signRequest(
      { method: 'POST', url: this.endpoint, headers, body },
      { credentials, region, service: service.signingName, date: signedAt },
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
    const error = new AwsError(
      name,
      `${what} failed: ${name} (HTTP ${status})${typeof message === 'string' ? `: ${firstLineOf(message)}` : ''}`,
      { httpStatusCode: status, requestId, attempts, queryErrorCode },
    );
    const offset = correctedClockOffset({
      errorName: name,
      date: header('date'),
      age: header('age'),
      signedAt,
      receivedAt: this.now(),
    });
    if (offset !== undefined) {
      this.clockOffsetMs = offset;
      error.$metadata.clockSkewCorrected = true;
    }
    throw error;
  }
}

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** The variables a signer needs; AWS_SESSION_TOKEN comes with temporary credentials. */
const CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** The execution role's credentials, from the variables Lambda sets for it, or the names of the
 *  variables that are not set. */
export function credentialsFromEnv(
  env: EnvSource = process.env,
): { credentials: AwsCredentials } | { missing: string[] } {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return { missing: CREDENTIAL_VARIABLES.filter((name) => !env[name]) };
  return { credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined } };
}

/**
 * A client configured as the SDK's default chain does on Lambda: region from AWS_REGION,
 * credentials from the AWS_* variables Lambda sets for the execution role, and the endpoint
 * overrides AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL.
 */
export function awsJsonClientFromEnv(
  service: AwsService,
  options: ClientLimits = {},
  env: EnvSource = process.env,
): AwsJsonClient {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  const read = credentialsFromEnv(env);
  const problems = [
    ...(region ? [] : ['AWS_REGION is not set']),
    // It becomes a host name: `eu-west-1`, not a URL or a path.
    ...(region && !/^[a-z0-9-]{1,63}$/.test(region)
      ? [`AWS_REGION "${region.slice(0, 63)}" is not a region name`]
      : []),
    ...('missing' in read ? read.missing.map((name) => `${name} is not set`) : []),
    // The SDK would switch hosts for these; this client does not know those hosts.
    ...['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT']
      .filter((name) => env[name]?.toLowerCase() === 'true')
      .map((name) => `${name} is not supported here: set AWS_ENDPOINT_URL_${service.endpointEnvId} instead`),
  ];
  if (!region || !('credentials' in read) || problems.length > 0) {
    throw new AwsConfigError(`cannot call ${service.label}: ${problems.join('; ')}`);
  }
  const configured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() !== 'true';
  const endpoint = configured
    ? env[`AWS_ENDPOINT_URL_${service.endpointEnvId}`] || env.AWS_ENDPOINT_URL || undefined
    : undefined;
  return new AwsJsonClient({ service, region, credentials: read.credentials, endpoint, ...options });
}

/**
 * A caller whose client is configured from the environment on first use, as the SDK resolves
 * credentials on its first request: building a handler reads no AWS settings, so a request that
 * needs no AWS call (an unknown route) is answered without them, and a missing one fails that
 * call by name.
 */
export function awsCallerFromEnv(
  service: AwsService,
  options: ClientLimits = {},
  env: EnvSource = process.env,
): AwsCaller {
  let client: AwsJsonClient | undefined;
  return {
    // async: a missing variable rejects the call's promise, as any failed call does.
    async call(operation, input) {
      client ??= awsJsonClientFromEnv(service, options, env);
      return client.call(operation, input);
    },
  };
}
