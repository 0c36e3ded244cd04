// A reference to one secret in the secrets store, the shape every credential in the config takes.
import * as z from 'zod';

export const secretRefSchema = z.strictObject({
  secretId: z
    .string()
    .min(1, 'must not be empty')
    .meta({
      description:
        "The secret's name: a key of the secrets file (--secrets) locally, a Secrets Manager secret name or ARN on AWS.",
      examples: ['tfe-bridge/prod-runs-hmac'],
    }),
  jsonKey: z
    .string()
    .min(1, 'must not be empty')
    .optional()
    .meta({
      description:
        'For a JSON secret: the key whose value to use. Leave out for a secret that is a plain string.',
      examples: ['token'],
    }),
});
