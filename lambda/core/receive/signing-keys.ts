// Which keys may sign a route's requests, and checking a request against them. While a token is
// rotated several keys are valid: every entry of a `signingSecret` list, and on AWS each secret's
// AWSCURRENT and AWSPREVIOUS versions. The label of the key that matched goes to the request log.

import type { RouteConfig } from '../config/schema';
import { InvalidSecretError } from '../errors';
import type { Logger, SecretStore, VersionedSecretStore } from '../ports';
import { signingSecretsOf, unusableKeyReason } from '../secrets';
import { SignatureMismatchError, verifySignature } from './signature';

/** At most one forced re-read of a route's signing secrets per this interval, so requests with
 *  bad signatures cannot turn into one Secrets Manager call each. */
export const SIGNING_KEY_REFRESH_INTERVAL_MS = 10_000;

export interface SigningKey {
  /** `signingSecret`, `signingSecret[1]`, `AWSPREVIOUS`, `signingSecret[1]:AWSCURRENT`: never the value. */
  label: string;
  value: string;
}

function isVersioned(store: SecretStore): store is VersionedSecretStore {
  return typeof (store as Partial<VersionedSecretStore>).getSecretVersions === 'function';
}

export async function readSigningKeys(
  route: RouteConfig,
  store: SecretStore,
  forceRefresh = false,
): Promise<SigningKey[]> {
  const listed = Array.isArray(route.signingSecret);
  const refs = signingSecretsOf(route);
  const perSecret = await Promise.all(
    refs.map(async (ref, index): Promise<SigningKey[]> => {
      const name = listed ? `signingSecret[${index}]` : 'signingSecret';
      if (!isVersioned(store)) return [{ label: name, value: await store.getSecret(ref, { forceRefresh }) }];
      const versions = await store.getSecretVersions(ref, { forceRefresh });
      return versions.map(({ stage, value }) => ({ label: listed ? `${name}:${stage}` : stage, value }));
    }),
  );
  const keys = perSecret.flat();
  // An unusable key is never tried, whatever the others are: a signature made with it proves nothing.
  const usable = keys.filter((key) => unusableKeyReason(key.value) === null);
  if (usable.length === 0) {
    const reasons = perSecret.flatMap((secretKeys, index) =>
      secretKeys.map(
        (key) => `secret "${refs[index]?.secretId}" (${key.label}) ${unusableKeyReason(key.value)}`,
      ),
    );
    // Anyone can sign with an empty key, and the placeholder is public: answer 503, as for a
    // signing secret that cannot be read, with the secret to fix in the log.
    throw new InvalidSecretError(
      `route "${route.id}" has no usable signing key: ${reasons.join('; ')}; put the token set in HashiCorp there`,
      refs[0]?.secretId ?? route.id,
    );
  }
  return usable;
}

export interface SignatureVerifierOptions {
  secrets: SecretStore;
  logger: Logger;
  /** Milliseconds, for the refresh rate limit. */
  now: () => number;
  refreshIntervalMs?: number;
}

export type VerifyRouteSignature = (
  route: RouteConfig,
  body: Uint8Array,
  signature: string | undefined,
) => Promise<string>;

/**
 * Verifies against the cached keys; on a mismatch, or when the secrets read but are unusable
 * (every key empty or the placeholder, a jsonKey the secret lacks), re-reads them (at most once
 * per interval and route) before giving up, since the cache may predate a rotation or a fix: the
 * new token must work at once, not after the cache expires. Requests that mismatch while a
 * re-read is running or was just made check against its result. Returns the matching key's
 * label; throws SignatureError, or SecretError when no usable key can be read.
 */
export function createSignatureVerifier(options: SignatureVerifierOptions): VerifyRouteSignature {
  const { secrets, logger, now } = options;
  const interval = options.refreshIntervalMs ?? SIGNING_KEY_REFRESH_INTERVAL_MS;
  const refreshes = new Map<string, { at: number; keys: Promise<SigningKey[]> }>();

  const refreshedKeys = (route: RouteConfig, reason: string): Promise<SigningKey[]> => {
    const at = now();
    const last = refreshes.get(route.id);
    if (last && at - last.at < interval) return last.keys;
    const keys = readSigningKeys(route, secrets, true).then((fresh) => {
      logger.info(`signing secrets re-read after ${reason}`, {
        route: route.id,
        keys: fresh.map((key) => key.label),
      });
      return fresh;
    });
    // Joiners await it too; the rejection is handled by each caller.
    keys.catch((error: Error) =>
      logger.warn('signing secret re-read failed', { route: route.id, error: error.message }),
    );
    refreshes.set(route.id, { at, keys });
    return keys;
  };

  const match = (keys: SigningKey[], body: Uint8Array, signature: string | undefined): string => {
    const index = verifySignature(
      body,
      signature,
      keys.map((key) => key.value),
    );
    return keys[index]?.label ?? 'unknown';
  };

  return async (route, body, signature) => {
    let keys: SigningKey[];
    try {
      keys = await readSigningKeys(route, secrets);
    } catch (error) {
      // A secret that reads but cannot be used (empty, the placeholder, no such jsonKey) is
      // fixed by editing it: without a re-read, the fix would wait for the cache to expire (5
      // minutes on AWS) or a restart (locally). Until then the route answers 503.
      if (!(error instanceof InvalidSecretError)) throw error;
      keys = await refreshedKeys(route, 'an unusable signing secret');
    }
    try {
      return match(keys, body, signature);
    } catch (error) {
      if (!(error instanceof SignatureMismatchError)) throw error;
      let fresh: SigningKey[];
      try {
        fresh = await refreshedKeys(route, 'a signature mismatch');
      } catch {
        // Answer what we know (the signature matches no key we have), not a 503.
        throw error;
      }
      return match(fresh, body, signature);
    }
  };
}
