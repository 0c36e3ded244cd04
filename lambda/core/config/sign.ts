// The `sign` field of a destination: a signature over the exact body sent, independent of auth, in
// the Standard Webhooks form or as one HMAC header (GitHub style). Signing is deliver/sign.ts.
import * as z from 'zod';
import { configuredHeaderNameSchema, headerValueSchema, STANDARD_WEBHOOKS_HEADERS } from './headers';
import { secretRefSchema } from './secret-ref';

export const SIGN_ALGORITHMS = ['sha256', 'sha512'] as const;
export const SIGN_ENCODINGS = ['hex', 'base64'] as const;
export { STANDARD_WEBHOOKS_HEADERS };

export const signSchema = z.discriminatedUnion(
  'scheme',
  [
    z.strictObject({
      scheme: z
        .literal('standard-webhooks')
        .describe(
          'Standard Webhooks: `webhook-id` (the idempotency key), `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>`.',
        ),
      secret: z.union([secretRefSchema, z.array(secretRefSchema).min(1).max(5)]).meta({
        description:
          'The signing secret, `whsec_` followed by base64. A list while rotating: the request carries one signature per secret.',
        examples: [
          { secretId: 'tfe-bridge/callback-whsec' },
          [{ secretId: 'whsec-new' }, { secretId: 'whsec-old' }],
        ],
      }),
    }),
    z.strictObject({
      scheme: z.literal('hmac').describe('Sends `<header>: <prefix><HMAC of the body>`.'),
      header: configuredHeaderNameSchema.meta({
        description: 'The header that carries the signature.',
        examples: ['X-Hub-Signature-256'],
      }),
      algorithm: z
        .enum(SIGN_ALGORITHMS, { error: `must be one of: ${SIGN_ALGORITHMS.join(', ')}` })
        .default('sha256')
        .describe('The HMAC hash: sha256 (the default) or sha512.'),
      encoding: z
        .enum(SIGN_ENCODINGS, { error: `must be one of: ${SIGN_ENCODINGS.join(', ')}` })
        .default('hex')
        .describe('How the digest is written: hex (lower case, the default) or base64.'),
      prefix: headerValueSchema.optional().meta({
        description: 'Text sent before the digest, as is.',
        examples: ['sha256='],
      }),
      secret: secretRefSchema.describe('The HMAC key, used as its UTF-8 bytes.'),
    }),
  ],
  { error: 'must be one of: standard-webhooks, hmac' },
);

export type SignConfig = z.infer<typeof signSchema>;

/** The secrets a signature is computed with, in order. */
export function signSecretsOf(sign: SignConfig) {
  if (sign.scheme === 'hmac') return [sign.secret];
  return Array.isArray(sign.secret) ? sign.secret : [sign.secret];
}
