// Which Secrets Manager secrets each function may read, derived from the config: the receiver
// needs the routes' signing secrets, the worker the destinations' URL and auth secrets.

import { formatPath } from '../lambda/core/config/parse';
import type { BridgeConfig, DestinationConfig, RouteConfig, SecretRef } from '../lambda/core/config/schema';
import { signSecretsOf } from '../lambda/core/config/sign';
import { ConfigError } from '../lambda/core/errors';
import { signingSecretsOf } from '../lambda/core/secrets';

const unique = (refs: SecretRef[]): string[] => [...new Set(refs.map((ref) => ref.secretId))].sort();

/** Every secret a destination reads while delivering: its URL (when secret), its auth and its
 *  signing secrets. */
export function destinationSecretRefs(destination: DestinationConfig): SecretRef[] {
  const refs: SecretRef[] = [];
  if (typeof destination.url !== 'string') refs.push(destination.url.secret);
  const { auth } = destination;
  switch (auth.type) {
    case 'none':
      break;
    case 'bearer':
    case 'header':
      refs.push(auth.secret);
      break;
    case 'basic':
      if (typeof auth.username !== 'string') refs.push(auth.username);
      refs.push(auth.password);
      break;
    case 'oauth2':
      if (typeof auth.clientId !== 'string') refs.push(auth.clientId);
      refs.push(auth.clientSecret);
      break;
  }
  if (destination.sign) refs.push(...signSecretsOf(destination.sign));
  // Named secrets templates read as $secrets.NAME (e.g. PagerDuty's routing key).
  refs.push(...Object.values(destination.secrets ?? {}));
  // A client certificate for mutual TLS.
  const { tls } = destination;
  if (tls) refs.push(tls.cert, tls.key, ...(tls.ca ? [tls.ca] : []));
  return refs;
}

/** Secret ids the receiver reads (signing secrets), sorted and without duplicates. */
export const signingSecretIds = (config: BridgeConfig): string[] =>
  unique(config.routes.flatMap(signingSecretsOf));

/** The route's enrichment token (read by the worker before rendering), if any. */
const enrichSecretRefs = (route: RouteConfig): SecretRef[] =>
  route.enrich ? [route.enrich.hcpTerraform.token] : [];

/** Secret ids the worker reads (destination URLs and auth, enrichment tokens), sorted and
 *  without duplicates. */
export const destinationSecretIds = (config: BridgeConfig): string[] =>
  unique(
    config.routes.flatMap((route) => [
      ...route.destinations.flatMap(destinationSecretRefs),
      ...enrichSecretRefs(route),
    ]),
  );

/** The JSON keys the config reads from each secret (empty for plain string secrets). */
export function jsonKeysBySecret(config: BridgeConfig): Map<string, string[]> {
  const refs = config.routes.flatMap((route) => [
    ...signingSecretsOf(route),
    ...route.destinations.flatMap(destinationSecretRefs),
    ...enrichSecretRefs(route),
  ]);
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
