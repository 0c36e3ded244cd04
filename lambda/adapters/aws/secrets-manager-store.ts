// SecretStore on AWS Secrets Manager: an in-memory cache per secret that lives across
// invocations, one GetSecretValue per secret at a time, and the last known value when Secrets
// Manager is throttling or unreachable. Signing secrets are read with their AWSPREVIOUS version
// too, so a token can be rotated without rejecting requests signed with the old one.
//
// Any failed GetSecretValue is a SecretUnavailableError (tried again later), not-found and
// access-denied included: all Secrets Manager operations are eventually consistent (AWS API
// reference, ListSecrets), so a secret or policy created a moment ago may not be visible yet, and
// creating the missing secret fixes the next retry. A value that was read but has the wrong shape
// (binary, not JSON, no such key) is an InvalidSecretError: reading it again changes nothing.
import type { SecretRef } from '../../core/config/schema';
import { InvalidSecretError, SecretUnavailableError } from '../../core/errors';
import { NO_METRICS } from '../../core/metric-names';
import type { Logger, Metrics, SecretVersion, VersionedSecretStore } from '../../core/ports';
import { secretTextsOf, selectSecretValue } from '../../core/secrets';
import { type GetSecretValue, getSecretValueFromEnv } from './aws-operations';

export const DEFAULT_SECRET_CACHE_TTL_MS = 5 * 60_000;
/** After a failed AWSPREVIOUS read with nothing cached, try again after this long rather than on
 *  every request (Secrets Manager may be throttling). */
export const PREVIOUS_RETRY_MS = 30_000;
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

export interface SecretsManagerStoreOptions {
  logger: Logger;
  /** Counts `secret_cache` hits and misses. */
  metrics?: Metrics;
  /** Injected in tests; otherwise the bridge's own client, configured from the environment on first use. */
  getSecretValue?: GetSecretValue;
  ttlMs?: number;
  now?: () => number;
}

interface CachedSecret {
  value: string;
  fetchedAt: number;
}

/** The AWSPREVIOUS version: `null` when the secret has none (or it could not be read yet). */
interface CachedPrevious {
  value: string | null;
  expiresAt: number;
}

/** Failures worth answering from the cache: they say nothing about the secret itself. */
const TRANSIENT_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalServiceError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function isTransient(error: unknown): boolean {
  const { name, code, $metadata } = (error ?? {}) as AwsLikeError;
  if (name && TRANSIENT_ERRORS.has(name)) return true;
  if (code && NETWORK_CODES.has(code)) return true;
  if (!$metadata) return false;
  // An SDK error without an HTTP status never got an answer (socket closed, DNS, timeout).
  return $metadata.httpStatusCode === undefined || $metadata.httpStatusCode >= 500;
}

/** A message that names the secret and what went wrong, never anything the secret holds. */
function describeFailure(secretId: string, error: unknown): string {
  const { name, code } = (error ?? {}) as AwsLikeError;
  switch (name) {
    case 'ResourceNotFoundException':
      return `secret "${secretId}" not found in Secrets Manager`;
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return `Secrets Manager throttled the read of secret "${secretId}"; try again later`;
    case 'AccessDeniedException':
      return `access denied reading secret "${secretId}": the function needs secretsmanager:GetSecretValue on it`;
    case 'DecryptionFailure':
      return `Secrets Manager could not decrypt secret "${secretId}" (check the KMS key policy)`;
    case 'InvalidRequestException':
      return `secret "${secretId}" cannot be read now (is it scheduled for deletion?)`;
    default:
      return isTransient(error)
        ? `could not reach Secrets Manager to read secret "${secretId}": ${code ?? name ?? 'network error'}`
        : `reading secret "${secretId}" from Secrets Manager failed: ${name ?? 'unknown error'}`;
  }
}

export class SecretsManagerStore implements VersionedSecretStore {
  private readonly cache = new Map<string, CachedSecret>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly previousCache = new Map<string, CachedPrevious>();
  private readonly previousInflight = new Map<string, Promise<string | null>>();
  private readonly reportedSkips = new Set<string>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly getSecretValue: GetSecretValue;
  private known: readonly string[] | undefined;

  constructor(private readonly options: SecretsManagerStoreOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_SECRET_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
    // A hung connection must not eat the receiver's time budget (see RECEIVER_TIMEOUT in
    // infra/bridge-stack.ts): one retry, then the cache or a 503/retry takes over.
    this.getSecretValue =
      options.getSecretValue ?? getSecretValueFromEnv({ maxAttempts: 2, attemptTimeoutMs: 2_000 });
  }

  /** Every value read so far (current and previous versions, and the texts in JSON secrets), for
   *  masking log lines. The same array until a read brings a new value. */
  knownValues(): readonly string[] {
    this.known ??= [...this.cache.values(), ...this.previousCache.values()].flatMap(({ value }) =>
      secretTextsOf(value),
    );
    return this.known;
  }

  async getSecret(ref: SecretRef, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const raw = await this.raw(ref.secretId, options.forceRefresh === true);
    return selectSecretValue(raw, ref);
  }

  /**
   * AWSCURRENT, then AWSPREVIOUS if the secret has one: both are accepted while HCP Terraform
   * switches to a rotated token. Only AWSCURRENT can fail the call; the previous version is an
   * extra candidate, so a throttled read of it must not turn valid requests into 503s.
   */
  async getSecretVersions(
    ref: SecretRef,
    options: { forceRefresh?: boolean } = {},
  ): Promise<SecretVersion[]> {
    const forceRefresh = options.forceRefresh === true;
    const [current, previous] = await Promise.all([
      this.raw(ref.secretId, forceRefresh),
      this.previous(ref.secretId, forceRefresh),
    ]);
    const versions = [{ stage: CURRENT, value: selectSecretValue(current, ref) }];
    if (previous === null) return versions;
    try {
      versions.push({ stage: PREVIOUS, value: selectSecretValue(previous, ref) });
    } catch (error) {
      // An older version of another shape (no such jsonKey): it cannot have signed anything.
      // Said once per secret and key, not on every request that reads the cached version.
      const skip = `${ref.secretId}\n${ref.jsonKey ?? ''}`;
      if (!this.reportedSkips.has(skip)) {
        this.reportedSkips.add(skip);
        this.options.logger.warn('previous secret version skipped', {
          secretId: ref.secretId,
          error: (error as Error).message,
        });
      }
    }
    return versions;
  }

  private async previous(secretId: string, forceRefresh: boolean): Promise<string | null> {
    const cached = this.previousCache.get(secretId);
    if (!forceRefresh && cached && this.now() < cached.expiresAt) return cached.value;
    let pending = this.previousInflight.get(secretId);
    if (!pending) {
      pending = this.fetchPrevious(secretId).finally(() => this.previousInflight.delete(secretId));
      this.previousInflight.set(secretId, pending);
    }
    return pending;
  }

  private async fetchPrevious(secretId: string): Promise<string | null> {
    try {
      const { SecretString } = await this.getSecretValue({ SecretId: secretId, VersionStage: PREVIOUS });
      const value = SecretString ?? null;
      this.previousCache.set(secretId, { value, expiresAt: this.now() + this.ttlMs });
      this.known = undefined;
      return value;
    } catch (error) {
      // No AWSPREVIOUS stage (never rotated, or removed to retire the old token): not an error.
      if ((error as AwsLikeError).name === 'ResourceNotFoundException') {
        this.previousCache.set(secretId, { value: null, expiresAt: this.now() + this.ttlMs });
        return null;
      }
      const cached = this.previousCache.get(secretId);
      this.options.logger.warn('previous secret version unavailable', {
        secretId,
        stage: PREVIOUS,
        error: describeFailure(secretId, error),
        using: cached?.value ? 'the cached previous version' : 'the current version only',
      });
      const value = cached?.value ?? null;
      this.previousCache.set(secretId, { value, expiresAt: this.now() + PREVIOUS_RETRY_MS });
      return value;
    }
  }

  private async raw(secretId: string, forceRefresh: boolean): Promise<string> {
    const cached = this.cache.get(secretId);
    const hit = !forceRefresh && cached !== undefined && this.now() - cached.fetchedAt < this.ttlMs;
    (this.options.metrics ?? NO_METRICS).count('secret_cache', { result: hit ? 'hit' : 'miss' });
    if (hit) return cached.value;
    // Single flight: concurrent readers (a burst of webhooks after a cold start, a batch of
    // deliveries) share one GetSecretValue instead of each spending Secrets Manager quota.
    let pending = this.inflight.get(secretId);
    if (!pending) {
      pending = this.fetch(secretId, forceRefresh).finally(() => this.inflight.delete(secretId));
      this.inflight.set(secretId, pending);
    }
    return pending;
  }

  private async fetch(secretId: string, forceRefresh: boolean): Promise<string> {
    let secretString: string | undefined;
    try {
      ({ SecretString: secretString } = await this.getSecretValue({ SecretId: secretId }));
    } catch (error) {
      const cached = this.cache.get(secretId);
      // A forced refresh means the caller already distrusts the cached value (the destination
      // answered 401): handing it back would turn a passing outage into a permanent failure.
      if (cached && !forceRefresh && isTransient(error)) {
        this.options.logger.warn('secret refresh failed, using the cached value', {
          secretId,
          error: describeFailure(secretId, error),
          cachedAgeMs: this.now() - cached.fetchedAt,
        });
        return cached.value;
      }
      const message = describeFailure(secretId, error);
      this.options.logger.error('secret unavailable', { secretId, error: message });
      throw new SecretUnavailableError(message, secretId, { cause: error });
    }
    // SecretBinary is not supported: every secret the bridge reads (tokens, URLs, HMAC keys) is
    // text, and the config has no way to say how bytes should become a header value.
    if (secretString === undefined) {
      throw new InvalidSecretError(
        `secret "${secretId}" has no SecretString (binary secrets are not supported): store the value as text`,
        secretId,
      );
    }
    this.cache.set(secretId, { value: secretString, fetchedAt: this.now() });
    this.known = undefined;
    return secretString;
  }
}
