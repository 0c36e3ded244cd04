// The `oauth2` kind of destination auth: an access token from the OAuth2 client credentials grant
// (RFC 6749 §4.4), sent as `Authorization: Bearer <token>`. Fetching and caching: deliver/oauth2.ts.
import * as z from 'zod';
import { secretRefSchema } from './secret-ref';

export const CLIENT_AUTH_METHODS = ['basic', 'post'] as const;
// Parameters the bridge sets itself: extraParams must not replace them.
const OWN_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'scope', 'audience']);

export const oauth2AuthSchema = z.strictObject({
  type: z
    .literal('oauth2')
    .describe('Sends `Authorization: Bearer <token>` with a token from the client credentials grant.'),
  tokenUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).meta({
    description: "The authorization server's token endpoint (https; http only with allowInsecureHttp).",
    examples: ['https://auth.example.com/oauth2/token'],
  }),
  clientId: z
    .union([z.string().min(1, 'must not be empty'), secretRefSchema])
    .describe('The client id, as text or a secret reference.'),
  clientSecret: secretRefSchema.describe('The client secret, always a secret reference.'),
  scope: z
    .string()
    .min(1, 'must not be empty')
    .optional()
    .meta({ description: 'The `scope` parameter (space-separated scopes).', examples: ['events:write'] }),
  audience: z
    .string()
    .min(1, 'must not be empty')
    .optional()
    .meta({
      description: 'The `audience` parameter some servers require.',
      examples: ['https://api.example.com'],
    }),
  extraParams: z
    .record(
      z.string().refine((name) => !OWN_PARAMS.has(name), 'is set by the bridge: use the field of that name'),
      z.string(),
    )
    .optional()
    .meta({
      description: 'Other form parameters sent to the token endpoint, as written.',
      examples: [{ resource: 'https://api.example.com' }],
    }),
  clientAuth: z
    .enum(CLIENT_AUTH_METHODS, { error: `must be one of: ${CLIENT_AUTH_METHODS.join(', ')}` })
    .default('basic')
    .describe(
      'How the client authenticates to the token endpoint: basic (HTTP Basic, the default) or post (client_id and client_secret in the form).',
    ),
});

export type OAuth2Auth = z.infer<typeof oauth2AuthSchema>;
