// Which Secrets Manager secrets each function may read, derived from the config: the receiver
// needs the routes' signing secrets, the worker the destinations' URL and auth secrets.

import { formatPath } from '../lambda/core/config/parse';
import type { BridgeConfig, SecretRef } from '../lambda/core/config/schema';
import { namedSecrets } from '../lambda/core/config/secret-check';
import { ConfigError } from '../lambda/core/errors';
import { signingSecretsOf } from '../lambda/core/secrets';

const unique = (refs: SecretRef[]): string[] => [...new Set(refs.map((ref) => ref.secretId))].sort();

/** Every secret the config names, from the same list `validate --secrets` checks, so a secret
 *  the bridge reads is never one the stack forgot to grant. */
const refsOf = (config: BridgeConfig, signing: boolean): SecretRef[] =>
  namedSecrets(config)
    .filter(({ use }) => (use === 'signing') === signing)
    .map(({ ref }) => ref);

/** Secret ids the receiver reads (signing secrets), sorted and without duplicates. */
export const signingSecretIds = (config: BridgeConfig): string[] => unique(refsOf(config, true));

/** Secret ids the worker reads (destination URLs, auth, signing and TLS secrets, template
 *  secrets, enrichment tokens), sorted and without duplicates. */
export const destinationSecretIds = (config: BridgeConfig): string[] => unique(refsOf(config, false));

/** The JSON keys the config reads from each secret (empty for plain string secrets). */
export function jsonKeysBySecret(config: BridgeConfig): Map<string, string[]> {
  const refs = namedSecrets(config).map(({ ref }) => ref);
  const keys = new Map<string, Set<string>>();
  for (const ref of refs) {
    const set = keys.get(ref.secretId) ?? new Set<string>();
    if (ref.jsonKey !== undefined) set.add(ref.jsonKey);
    keys.set(ref.secretId, set);
  }
  return new Map([...keys].map(([id, set]) => [id, [...set].sort()]));
}

/**
 * For `createSecrets`: the JSON key each secret's route signs with, which the stack generates at
 * random (never the public placeholder). Refused at synth, with the field's path: two signing
 * keys in one secret (CloudFormation generates one; the other would stay the placeholder, 503
 * from the first deploy), and a plain signing secret that others read as JSON (the route's token
 * would be the whole JSON text).
 */
export function signingJsonKeyBySecret(config: BridgeConfig): Map<string, string> {
  const found = new Map<string, { jsonKey: string; where: string }>();
  const jsonKeys = jsonKeysBySecret(config);
  const problems: string[] = [];
  config.routes.forEach((route, r) => {
    signingSecretsOf(route).forEach((ref, s) => {
      // An ARN names a secret the user made: the stack creates (and generates) nothing there.
      if (ref.secretId.startsWith('arn:')) return;
      const field = Array.isArray(route.signingSecret)
        ? ['routes', r, 'signingSecret', s]
        : ['routes', r, 'signingSecret'];
      if (ref.jsonKey === undefined) {
        // Created as JSON for the other readers, its whole text would be this route's token.
        const keys = jsonKeys.get(ref.secretId) ?? [];
        if (keys.length > 0) {
          problems.push(
            `${formatPath(field)}: secret "${ref.secretId}" is read as JSON elsewhere (key "${keys[0]}"), ` +
              'so createSecrets makes it a JSON secret: sign with one of its keys (jsonKey) or use a secret of its own',
          );
        }
        return;
      }
      const where = formatPath([...field, 'jsonKey']);
      const first = found.get(ref.secretId);
      if (!first) found.set(ref.secretId, { jsonKey: ref.jsonKey, where });
      else if (first.jsonKey !== ref.jsonKey) {
        problems.push(
          `${where}: secret "${ref.secretId}" already signs with key "${first.jsonKey}" (${first.where}); ` +
            'createSecrets can generate one signing key per secret: give each token its own secret',
        );
      }
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return new Map([...found].map(([secretId, { jsonKey }]) => [secretId, jsonKey]));
}
