// Signatures over the exact body a delivery sends (a destination's `sign`): Standard Webhooks
// (https://www.standardwebhooks.com) and one HMAC header, GitHub style. Pure crypto, like the
// receiving side's receive/signature.ts.
import { createHmac } from 'node:crypto';
import type { SecretRef } from '../config/schema';
import { type SignConfig, signSecretsOf } from '../config/sign';
import { InvalidSecretError } from '../errors';
import { unusableKeyReason } from '../secrets';

export const WHSEC_PREFIX = 'whsec_';
/** The Standard Webhooks spec asks for keys of 24 to 64 bytes; a shorter one is refused. */
export const MIN_WHSEC_KEY_BYTES = 24;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why `value` is not a usable `whsec_` secret, or null. Never quotes the value. */
export function whsecProblem(value: string): string | null {
  const unusable = unusableKeyReason(value);
  if (unusable !== null) return unusable;
  if (!value.startsWith(WHSEC_PREFIX))
    return `is not a Standard Webhooks secret: it must start with "${WHSEC_PREFIX}"`;
  const encoded = value.slice(WHSEC_PREFIX.length);
  if (!BASE64.test(encoded))
    return `is not a Standard Webhooks secret: after "${WHSEC_PREFIX}" must come base64`;
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_WHSEC_KEY_BYTES) {
    return `is too short for a Standard Webhooks secret: ${bytes} bytes after base64 decoding, at least ${MIN_WHSEC_KEY_BYTES} needed`;
  }
  return null;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the key of a `whsec_` secret. */
export function standardWebhookSignature(
  id: string,
  timestamp: number,
  body: string,
  secret: string,
): string {
  const key = Buffer.from(secret.slice(WHSEC_PREFIX.length), 'base64');
  const digest = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${digest}`;
}

export function hmacSignature(
  body: string,
  secret: string,
  algorithm: 'sha256' | 'sha512',
  encoding: 'hex' | 'base64',
): string {
  return createHmac(algorithm, secret).update(body, 'utf8').digest(encoding);
}

export interface SignInput {
  /** webhook-id: the job's idempotency key, the same on every retry. */
  id: string;
  /** The attempt's time, in ms since the epoch (sent in whole seconds). */
  now: number;
  /** The exact body sent. */
  body: string;
}

/** Reads one secret (and records its value for masking). */
export type SecretReader = (ref: SecretRef) => Promise<string>;

/** The signature headers for one request, lower-case names. Throws InvalidSecretError for an
 *  empty, placeholder or (standard-webhooks) malformed secret: reading it again will not help. */
export async function signatureHeaders(
  sign: SignConfig,
  input: SignInput,
  read: SecretReader,
): Promise<Record<string, string>> {
  const secrets: string[] = [];
  for (const ref of signSecretsOf(sign)) {
    const value = await read(ref);
    const problem = sign.scheme === 'standard-webhooks' ? whsecProblem(value) : unusableKeyReason(value);
    if (problem !== null) {
      throw new InvalidSecretError(`signing secret "${ref.secretId}" ${problem}`, ref.secretId);
    }
    secrets.push(value);
  }
  if (sign.scheme === 'hmac') {
    const digest = hmacSignature(input.body, secrets[0] ?? '', sign.algorithm, sign.encoding);
    return { [sign.header.toLowerCase()]: `${sign.prefix ?? ''}${digest}` };
  }
  const timestamp = Math.floor(input.now / 1000);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets
      .map((secret) => standardWebhookSignature(input.id, timestamp, input.body, secret))
      .join(' '),
  };
}

/** The signature headers as `render` prints them without the secrets: what each one is made of. */
export function describeSignatureHeaders(sign: SignConfig, input: SignInput): Record<string, string> {
  const names = signSecretsOf(sign).map((ref) => ref.secretId);
  if (sign.scheme === 'hmac') {
    const what = `<${sign.encoding} HMAC-${sign.algorithm.toUpperCase()} of the body with secret ${names[0]}>`;
    return { [sign.header.toLowerCase()]: `${sign.prefix ?? ''}${what}` };
  }
  const timestamp = Math.floor(input.now / 1000);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': names
      .map((name) => `v1,<base64 HMAC-SHA256 of "webhook-id.webhook-timestamp.body" with secret ${name}>`)
      .join(' '),
  };
}
