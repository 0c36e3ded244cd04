// HMAC-SHA512 signatures as HCP Terraform / TFE (X-TFE-Notification-Signature) and HCP
// (X-HCP-Webhook-Signature) compute them: lowercase hex over the exact raw body bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from '../errors';

export const TFE_SIGNATURE_HEADER = 'x-tfe-notification-signature';
export const HCP_SIGNATURE_HEADER = 'x-hcp-webhook-signature';
export const SIGNATURE_HEADERS = [TFE_SIGNATURE_HEADER, HCP_SIGNATURE_HEADER] as const;

const SHA512_HEX = /^[0-9a-f]{128}$/i;

/** A well-formed signature that no current secret produces: the one failure worth re-reading
 *  the secrets for (a rotated token), unlike a missing or malformed header. */
export class SignatureMismatchError extends SignatureError {
  override name = 'SignatureMismatchError';
}

export function signBody(body: Uint8Array | string, secret: string): string {
  return createHmac('sha512', secret).update(body).digest('hex');
}

/** The first signature header present, looked up case-insensitively by the caller's getter. */
export function readSignatureHeader(getHeader: (name: string) => string | undefined): string | undefined {
  for (const name of SIGNATURE_HEADERS) {
    const value = getHeader(name);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Checks `signature` against every secret (several during a rotation) and returns the index of
 * the one that matched. Compares digests in constant time; a malformed value fails before any
 * comparison, since its shape reveals nothing about the secret.
 */
export function verifySignature(
  body: Uint8Array,
  signature: string | undefined,
  secrets: readonly string[],
): number {
  if (signature === undefined) {
    throw new SignatureError(`missing signature header (${SIGNATURE_HEADERS.join(' or ')})`);
  }
  const given = signature.trim();
  if (given === '') {
    throw new SignatureError('empty signature header: set a token on the notification configuration');
  }
  if (!SHA512_HEX.test(given)) {
    throw new SignatureError('malformed signature: expected 128 hex characters (HMAC-SHA512)');
  }
  const givenDigest = Buffer.from(given, 'hex');
  let matched = -1;
  // Check every secret, even after a match, so timing does not reveal which one matched.
  secrets.forEach((secret, index) => {
    // Anyone can sign with an empty key: it never verifies anything (signing-keys.ts refuses it
    // with a 503 before we get here; this keeps a mistake elsewhere from letting requests in).
    if (secret.trim() === '') return;
    const expected = createHmac('sha512', secret).update(body).digest();
    if (timingSafeEqual(expected, givenDigest) && matched === -1) matched = index;
  });
  if (matched === -1) throw new SignatureMismatchError('signature does not match the route signing secret');
  return matched;
}
