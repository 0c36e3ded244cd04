// Turning a stored secret into the string a reference asks for: the whole value, or one key of
// a JSON secret. Shared by every SecretStore so `jsonKey` means the same thing everywhere.
import type { SecretRef } from './config';
import { SecretError } from './errors';

/** `raw` is what the store holds: a string, or (local secrets file) an already-parsed object. */
export function selectSecretValue(raw: unknown, ref: SecretRef): string {
  if (ref.jsonKey === undefined) {
    if (typeof raw === 'string') return raw;
    throw new SecretError(
      `secret "${ref.secretId}" holds JSON: set jsonKey to pick a value`,
      ref.secretId,
      false,
    );
  }
  let object: unknown = raw;
  if (typeof raw === 'string') {
    try {
      object = JSON.parse(raw);
    } catch {
      throw new SecretError(
        `secret "${ref.secretId}" is not JSON, so jsonKey cannot be read`,
        ref.secretId,
        false,
      );
    }
  }
  const value = (object as Record<string, unknown> | null)?.[ref.jsonKey];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SecretError(`secret "${ref.secretId}" has no string key "${ref.jsonKey}"`, ref.secretId, false);
}

/** Replaces every known secret value in `text` (error messages, response snippets) with ***. */
export function redact(text: string, secretValues: Iterable<string>): string {
  let out = text;
  for (const value of secretValues) {
    // Very short values would redact ordinary words; real tokens are longer.
    if (value.length >= 4) out = out.split(value).join('***');
  }
  return out;
}

/** What `createSecrets` stacks put in the JSON keys they cannot generate: never a usable value. */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';
