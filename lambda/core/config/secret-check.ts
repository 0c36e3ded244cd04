// Reading every secret a config names ahead of time, so that a missing, empty or misshapen one is
// reported at once, with its config path, instead of by the first notification that needs it.

import { whsecProblem } from '../deliver/sign';
import { SecretError } from '../errors';
import type { SecretStore } from '../ports';
import { signingSecretsOf, unusableKeyReason } from '../secrets';
import { urlProblem } from './destination-url';
import { isValidHeaderValue } from './headers';
import { liveServiceOf, slackTokenProblem } from './live';
import type { BridgeConfig, DestinationConfig, SecretRef } from './schema';
import { signSecretsOf } from './sign';

export interface SecretProblem {
  /** Where the config names the secret: `routes[0].signingSecret[1]`, `routes[0].destinations[2].auth.secret`. */
  path: string;
  secretId: string;
  /** A route's signing secret: that route answers 503 to every request until it is fixed. Otherwise
   *  a destination's secret: its deliveries fail. */
  signing: boolean;
  /** What is wrong, never the value: `secret "x" is empty`. */
  message: string;
}

/** How a secret is used decides what makes its value unusable. */
type Use = 'signing' | 'url' | 'header' | 'encoded' | 'pem' | 'slack-token' | 'whsec';

export interface NamedSecret {
  path: string;
  ref: SecretRef;
  use: Use;
  allowInsecureHttp: boolean;
}

/** Every secret a destination reads, with where the config names it (`at` + field path). */
export function destinationSecrets(
  destination: DestinationConfig,
  at: string,
): Array<Omit<NamedSecret, 'allowInsecureHttp'>> {
  const named: Array<Omit<NamedSecret, 'allowInsecureHttp'>> = [];
  if (typeof destination.url === 'object') {
    named.push({ path: `${at}.url.secret`, ref: destination.url.secret, use: 'url' });
  }
  const { auth } = destination;
  if (auth.type === 'bearer' || auth.type === 'header') {
    const use = liveServiceOf(destination) === 'slack' ? 'slack-token' : 'header';
    named.push({ path: `${at}.auth.secret`, ref: auth.secret, use });
  } else if (auth.type === 'basic') {
    // Base64-encoded into the header, so any character can be sent.
    if (typeof auth.username !== 'string') {
      named.push({ path: `${at}.auth.username`, ref: auth.username, use: 'encoded' });
    }
    named.push({ path: `${at}.auth.password`, ref: auth.password, use: 'encoded' });
  } else if (auth.type === 'oauth2') {
    // Form- and base64-encoded into the token request, never into a header as they are.
    if (typeof auth.clientId !== 'string') {
      named.push({ path: `${at}.auth.clientId`, ref: auth.clientId, use: 'encoded' });
    }
    named.push({ path: `${at}.auth.clientSecret`, ref: auth.clientSecret, use: 'encoded' });
  }
  const { sign } = destination;
  if (sign) {
    const listed = sign.scheme === 'standard-webhooks' && Array.isArray(sign.secret);
    signSecretsOf(sign).forEach((ref, i) => {
      named.push({
        path: `${at}.sign.secret${listed ? `[${i}]` : ''}`,
        ref,
        use: sign.scheme === 'standard-webhooks' ? 'whsec' : 'encoded',
      });
    });
  }
  for (const [name, ref] of Object.entries(destination.secrets ?? {})) {
    named.push({ path: `${at}.secrets.${name}`, ref, use: 'encoded' });
  }
  for (const part of ['cert', 'key', 'ca'] as const) {
    const ref = destination.tls?.[part];
    if (ref) named.push({ path: `${at}.tls.${part}`, ref, use: 'pem' });
  }
  return named;
}

/** Every secret the config names, with where (`routes[0].signingSecret`) and how it is used. */
export function namedSecrets(config: BridgeConfig): NamedSecret[] {
  return config.routes.flatMap((route, r) => {
    const listed = Array.isArray(route.signingSecret);
    const signing = signingSecretsOf(route).map((ref, i) => ({
      path: `routes[${r}].signingSecret${listed ? `[${i}]` : ''}`,
      ref,
      use: 'signing' as const,
    }));
    const destinations = route.destinations.flatMap((destination, d) =>
      destinationSecrets(destination, `routes[${r}].destinations[${d}]`),
    );
    // Sent as a bearer header to the API, like a destination's auth secret.
    const enrich = route.enrich
      ? [
          {
            path: `routes[${r}].enrich.hcpTerraform.token`,
            ref: route.enrich.hcpTerraform.token,
            use: 'header' as const,
          },
        ]
      : [];
    return [...signing, ...destinations, ...enrich].map((named) => ({
      ...named,
      allowInsecureHttp: route.allowInsecureHttp,
    }));
  });
}

function valueProblem(value: string, { use, allowInsecureHttp }: NamedSecret): string | null {
  const unusable = unusableKeyReason(value);
  if (unusable !== null) return unusable;
  if (use === 'url') {
    const problem = urlProblem(value, allowInsecureHttp);
    return problem === null ? null : `holds no usable destination URL: it ${problem}`;
  }
  if (use === 'pem' && !value.includes('-----BEGIN ')) {
    return "is not PEM: expected text with a -----BEGIN ...----- line (store the file's contents)";
  }
  if (use === 'slack-token') return slackTokenProblem(value);
  if (use === 'whsec') return whsecProblem(value);
  if (use === 'header' && !isValidHeaderValue(value)) {
    return 'cannot be sent in a header: it has a line break, another control character or a character outside Latin-1';
  }
  return null;
}

/**
 * Reads every secret the config names from `store` and returns every problem found (none: all
 * usable): not found, not JSON where a jsonKey is read, no such key, JSON where a plain value is
 * expected, empty, still the `REPLACE_ME` placeholder, a URL with credentials, a value no header
 * can carry. Throws only what the store throws besides SecretError (a bug).
 */
export async function checkSecrets(config: BridgeConfig, store: SecretStore): Promise<SecretProblem[]> {
  const checked = await Promise.all(
    namedSecrets(config).map(async (named): Promise<SecretProblem | null> => {
      const { path, ref } = named;
      const problem = (message: string) => ({
        path,
        secretId: ref.secretId,
        signing: named.use === 'signing',
        message,
      });
      let value: string;
      try {
        value = await store.getSecret(ref);
      } catch (error) {
        if (error instanceof SecretError) return problem(error.message);
        throw error;
      }
      const reason = valueProblem(value, named);
      return reason === null ? null : problem(`secret "${ref.secretId}" ${reason}`);
    }),
  );
  return checked.filter((problem) => problem !== null);
}

/** `routes[0].signingSecret: secret "x" is empty` */
export const formatSecretProblem = (problem: SecretProblem): string => `${problem.path}: ${problem.message}`;
