// Turning a stored secret into the string a reference asks for: the whole value, or one key of
// a JSON secret. Shared by every SecretStore so `jsonKey` means the same thing everywhere. Also
// the checks that say a value read fine but cannot be used (empty, placeholder, bad header value).
import type { RouteConfig, SecretRef } from './config/schema';
import { InvalidSecretError } from './errors';

export { redact } from './redaction';

/** What `createSecrets` stacks put in the JSON keys they cannot generate: never a usable value. */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';

/** `raw` is what the store holds: a string, or (local secrets file) an already-parsed object.
 *  Throws InvalidSecretError (permanent: the same value fails again) with a hint at the fix. */
export function selectSecretValue(raw: unknown, ref: SecretRef): string {
  const { secretId, jsonKey } = ref;
  if (jsonKey === undefined) {
    if (typeof raw === 'string') return raw;
    throw new InvalidSecretError(`secret "${secretId}" holds JSON: set jsonKey to pick a value`, secretId);
  }
  let object: unknown = raw;
  if (typeof raw === 'string') {
    try {
      object = JSON.parse(raw);
    } catch {
      throw new InvalidSecretError(
        `secret "${secretId}" is not JSON, so jsonKey cannot be read: store a JSON object, or drop jsonKey "${jsonKey}" from the config`,
        secretId,
      );
    }
  }
  const value =
    typeof object === 'object' && object !== null && Object.hasOwn(object, jsonKey)
      ? (object as Record<string, unknown>)[jsonKey]
      : undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new InvalidSecretError(
    `secret "${secretId}" has no string key "${jsonKey}": add it to the secret, or fix jsonKey in the config`,
    secretId,
  );
}

/**
 * Why a value cannot be a key anyone relies on, or null when it can. An empty key (or one that
 * is only whitespace, which is what a blanked or badly pasted value looks like) lets anyone
 * compute a valid signature; the placeholder is public. Says what is wrong, never which
 * character.
 */
export function unusableKeyReason(value: string): string | null {
  if (value.trim() === '') return 'is empty';
  if (value === SECRET_PLACEHOLDER) return `still holds the placeholder ${SECRET_PLACEHOLDER}`;
  return null;
}

/** Every signing secret of a route, in order (a list while a token is being rotated). */
export function signingSecretsOf(route: RouteConfig): SecretRef[] {
  if (!route.signingSecret) return [];
  return Array.isArray(route.signingSecret) ? route.signingSecret : [route.signingSecret];
}

/** A stored secret's value, and the texts inside it when it is JSON (what a `jsonKey` may
 *  select): what every store hands the log masker. */
export function secretTextsOf(raw: unknown): string[] {
  let object = raw;
  if (typeof raw === 'string') {
    try {
      object = JSON.parse(raw);
    } catch {
      return raw === '' ? [] : [raw];
    }
  }
  const texts = typeof raw === 'string' && raw !== '' ? [raw] : [];
  if (typeof object !== 'object' || object === null) return texts;
  for (const value of Object.values(object)) if (typeof value === 'string' && value !== '') texts.push(value);
  return texts;
}
