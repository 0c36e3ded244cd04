// The config of one destination: where it is, how it authenticates, what it sends, and how its
// deliveries are retried, paced and paused (delivery-policy.ts). zod schemas; types are inferred
// in schema.ts. Each field's `.meta({ description })` is what editors show (`tfe-bridge schema`).
import * as z from 'zod';
import { PAYLOAD_KINDS } from '../receive/payloads';
import { PRESET_NAMES, PRESET_REQUIRED_SECRETS } from '../render/presets';
import { awsIamAuthSchema, invokeTargetOf } from './aws-iam';
import { AWS_TARGET_KINDS, eventBridgeTargetSchema, snsTargetSchema, sqsTargetSchema } from './aws-targets';
import {
  circuitBreakerSchema,
  DEFAULT_CIRCUIT_BREAKER,
  DEFAULT_RETRY,
  rateLimitSchema,
  retrySchema,
} from './delivery-policy';
import {
  configuredHeaderNameSchema,
  headerNameSchema,
  headerValueSchema,
  reportAuthHeaderConflicts,
  reportIdempotencyHeaderConflicts,
  reportSignHeaderConflicts,
} from './headers';
import { liveSchema, reportLiveProblems } from './live';
import { oauth2AuthSchema } from './oauth2';
import { routingFilterFields } from './routing-filter';
import { secretRefSchema } from './secret-ref';
import { signSchema } from './sign';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const ORDERINGS = ['workspace', 'destination', 'none'] as const;
/** Per workspace: a run's notifications arrive in order, and one slow workspace holds up only
 *  itself (per destination, one job in flight caps a destination at a few jobs a second). */
export const DEFAULT_ORDERING = 'workspace';
/** How long the replay guard remembers a notification: a week, far past SQS's 5-minute dedup. */
export const DEFAULT_REPLAY_TTL_SECONDS = 7 * 24 * 3600;

export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 characters: letters, digits, ".", "_", "-"');

export { secretRefSchema };

const authSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('none').describe('No credential: the URL itself is the secret.') }),
    z.strictObject({
      type: z.literal('bearer').describe('Sends `Authorization: Bearer <secret>`.'),
      secret: secretRefSchema.describe('The token sent after `Bearer `.'),
    }),
    z.strictObject({
      type: z.literal('header').describe('Sends `<name>: <prefix><secret>`.'),
      name: configuredHeaderNameSchema.meta({
        description: 'The header that carries the secret.',
        examples: ['X-Api-Key', 'Authorization'],
      }),
      prefix: headerValueSchema.optional().meta({
        description: 'Text sent before the secret, as is (mind the space).',
        examples: ['GenieKey '],
      }),
      secret: secretRefSchema.describe('The header value (after the prefix).'),
    }),
    z.strictObject({
      type: z.literal('basic').describe('Sends `Authorization: Basic base64(username:password)`.'),
      // RFC 7617: the user-id ends at the first colon, so one with a colon never authenticates.
      username: z
        .union([z.string().regex(/^[^:]*$/, 'must not contain ":"'), secretRefSchema])
        .describe('The user name, as text (no ":") or a secret reference.'),
      password: secretRefSchema.describe('The password, always a secret reference.'),
    }),
    oauth2AuthSchema,
    awsIamAuthSchema,
  ],
  { error: 'must be one of: none, bearer, header, basic, oauth2, aws-iam' },
);

// One object with exactly one key set, rather than a union, so a bad preset name is reported as
// `template.preset: must be one of ...` instead of "no union member matched".
const templateSchema = z
  .strictObject({
    preset: z
      .enum(PRESET_NAMES, { error: `must be one of: ${PRESET_NAMES.join(', ')}` })
      .optional()
      .describe('A built-in template (docs/destinations.md); passthrough sends the original bytes.'),
    jsonata: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .meta({
        description:
          'A JSONata expression over the payload, with $event, $kind, $triggers and $secrets bound; its result is sent as JSON.',
        examples: ['{ "text": $event.summary }'],
      }),
    file: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .meta({
        description: 'A file holding a JSONata expression, relative to the config file.',
        examples: ['templates/slack.jsonata'],
      }),
  })
  .refine((t) => [t.preset, t.jsonata, t.file].filter((v) => v !== undefined).length === 1, {
    error: 'must set exactly one of preset, jsonata or file',
  });

const stringList = z.array(z.string().min(1)).min(1, 'must list at least one value');

const filterSchema = z.strictObject({
  triggers: stringList.optional().meta({
    description:
      'Triggers to forward (any may match; `*` is a wildcard): run and workspace triggers, or `<event_source>:<event_action>` for HCP events.',
    examples: [['run:completed', 'run:errored'], ['assessment:*'], ['hashicorp.packer.*']],
  }),
  workspaces: stringList.optional().meta({
    description: 'Workspace names or ids to forward (any may match; `*` is a wildcard).',
    examples: [['prod-*', 'ws-XdeUVMWShTesDMME']],
  }),
  organizations: stringList.optional().meta({
    description: 'Organization names to forward (any may match; `*` is a wildcard).',
    examples: [['acme-org']],
  }),
  kinds: z
    .array(z.enum(PAYLOAD_KINDS.filter((k) => k !== 'verification')))
    .min(1)
    .optional()
    .meta({ description: 'Payload families to forward (any may match).', examples: [['run', 'assessment']] }),
  ...routingFilterFields,
});

// Cross-field checks also run when other fields failed, so one load reports every problem.
// Their input may then be partly invalid, hence the defensive reads.
export const ALWAYS = { when: () => true };

// Secrets a template reads as `$secrets.NAME`, for APIs that take their key in the body.
const templateSecretsSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a name usable as $secrets.NAME (letters, digits, "_")'),
  secretRefSchema,
);

export const destinationSchema = z
  .strictObject({
    id: idSchema.meta({
      description:
        'Names the destination in logs, metrics, dead letters and `render --destination ROUTE/ID`.',
      examples: ['callback'],
    }),
    url: z
      .union([
        z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
        z.strictObject({
          secret: secretRefSchema.describe('The secret whose value is the URL.'),
        }),
      ])
      .optional()
      .meta({
        description:
          'Where to POST (or set eventbridge, sns or sqs instead): an https URL (http only with allowInsecureHttp on the route), or { secret } when the URL is itself a credential (Slack, Teams, Discord webhooks).',
        examples: [
          'https://my.example.host.com/v1/api/callback/1122334455/callback',
          { secret: { secretId: 'tfe-bridge/slack-webhook-url' } },
        ],
      }),
    eventbridge: eventBridgeTargetSchema.optional(),
    sns: snsTargetSchema.optional(),
    sqs: sqsTargetSchema.optional(),
    auth: authSchema.default({ type: 'none' }).meta({
      description:
        "How the request authenticates: none (the default), bearer, header or basic with the secret to send, oauth2 (client credentials), or aws-iam (SigV4 as the worker's role).",
      examples: [{ type: 'bearer', secret: { secretId: 'tfe-bridge/callback', jsonKey: 'token' } }],
    }),
    sign: signSchema.optional().meta({
      description:
        'Signs each request over the exact body sent, besides auth: standard-webhooks, or hmac in one header (GitHub style).',
      examples: [
        { scheme: 'standard-webhooks', secret: { secretId: 'tfe-bridge/callback-whsec' } },
        {
          scheme: 'hmac',
          header: 'X-Hub-Signature-256',
          algorithm: 'sha256',
          encoding: 'hex',
          prefix: 'sha256=',
          secret: { secretId: 'tfe-bridge/callback-hmac' },
        },
      ],
    }),
    tls: z
      .strictObject({
        cert: secretRefSchema.describe('The client certificate (PEM), with any intermediates after it.'),
        key: secretRefSchema.describe('Its private key (PEM, unencrypted).'),
        ca: secretRefSchema
          .optional()
          .describe("CA certificates (PEM) to trust for the server's certificate, besides the system's."),
      })
      .optional()
      .meta({
        description:
          'A client certificate for APIs that require mutual TLS: every part is a secret reference (https URLs only).',
        examples: [
          {
            cert: { secretId: 'tfe-bridge/mtls', jsonKey: 'cert' },
            key: { secretId: 'tfe-bridge/mtls', jsonKey: 'key' },
          },
        ],
      }),
    template: templateSchema.default({ preset: 'passthrough' }).meta({
      description:
        'What the body is: exactly one of preset, jsonata or file. The default, passthrough, sends the original bytes.',
      examples: [{ preset: 'slack' }, { file: 'templates/generic.jsonata' }],
    }),
    filter: filterSchema.optional().meta({
      description:
        'Which notifications this destination gets: every field set must match (without a filter, all of them).',
      examples: [{ triggers: ['run:completed', 'run:errored'] }],
    }),
    headers: z
      .record(configuredHeaderNameSchema, headerValueSchema)
      .optional()
      .meta({
        description:
          'Static headers sent as written (API versions, content negotiation). Not for credentials: use auth.',
        examples: [{ 'X-Source': 'terraform' }],
      }),
    // The same key on every retry and redelivery of a notification, so the destination can dedupe.
    idempotencyHeader: z
      .union([
        headerNameSchema,
        z
          .boolean()
          .refine((on) => !on, 'must be a header name, or false to send none')
          .transform(() => false as const),
      ])
      .default(DEFAULT_IDEMPOTENCY_HEADER)
      .meta({
        description:
          'The header carrying a key that is the same on every retry and replay of a notification, so the API can dedupe; false sends none.',
        examples: ['X-Request-Id', false],
      }),
    secrets: templateSecretsSchema.optional().meta({
      description:
        'Named secrets a template reads as $secrets.NAME, for APIs that take their key in the body (the pagerduty preset needs routingKey).',
      examples: [{ routingKey: { secretId: 'tfe-bridge/pagerduty', jsonKey: 'routingKey' } }],
    }),
    timeoutMs: z
      .int()
      .min(1)
      .max(900_000)
      .default(DEFAULT_TIMEOUT_MS)
      .describe('How long one attempt may take, in ms, before it counts as a failure and is retried.'),
    retry: retrySchema
      .default(DEFAULT_RETRY)
      .describe(
        'Retries of network errors, timeouts, 408, 429 and 5xx, with exponential backoff and jitter.',
      ),
    rateLimit: rateLimitSchema.optional().meta({
      description:
        'A token bucket in front of the destination (off by default); a 429 lowers the rate for a while.',
      examples: [{ perSecond: 5, burst: 1 }],
    }),
    circuitBreaker: circuitBreakerSchema
      .default(DEFAULT_CIRCUIT_BREAKER)
      .describe(
        'Pauses the destination after consecutive outage failures, holding its jobs instead of dead-lettering them; false turns it off.',
      ),
    // Which notifications keep their order: those of one workspace (or HCP resource), all of the
    // destination's (one at a time), or none (every job on its own).
    ordering: z
      .enum(ORDERINGS, { error: `must be one of: ${ORDERINGS.join(', ')}` })
      .default(DEFAULT_ORDERING)
      .describe(
        "Which jobs are delivered in order, one at a time: per workspace (or HCP resource), all of the destination's, or none.",
      ),
    live: liveSchema.optional(),
  })
  .superRefine((destination, ctx) => {
    reportTargetProblems(destination, ctx);
    reportIdempotencyHeaderConflicts(destination, ctx);
    reportAuthHeaderConflicts(destination, ctx);
    reportAwsIamProblems(destination, ctx);
    const { tls, url } = destination ?? {};
    if (tls && typeof url === 'string' && !url.startsWith('https:')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'a client certificate needs an https URL' });
    }
    reportLiveProblems(destination, ctx);
    reportSignHeaderConflicts(destination, ctx);
    const preset: unknown = destination?.template?.preset;
    const required = typeof preset === 'string' ? (PRESET_REQUIRED_SECRETS[preset] ?? []) : [];
    for (const name of required) {
      if ((destination?.secrets as Record<string, unknown> | undefined)?.[name] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', name],
          message: `is required by the ${preset} preset: add secrets: { ${name}: { secretId: ... } }`,
        });
      }
    }
  }, ALWAYS);

/** An aws-iam destination must say (or its URL show) what the stack grants invoke on. */
function reportAwsIamProblems(destination: unknown, ctx: z.core.$RefinementCtx): void {
  const { auth, url } = (destination ?? {}) as { auth?: { type?: unknown }; url?: unknown };
  if (auth?.type !== 'aws-iam' || (typeof url !== 'string' && typeof url !== 'object') || url === null)
    return;
  if (typeof url === 'string' && !URL.canParse(url)) return;
  const headers = (destination as { headers?: unknown }).headers;
  for (const name of typeof headers === 'object' && headers !== null ? Object.keys(headers) : []) {
    if (name.toLowerCase().startsWith('x-amz-')) {
      ctx.addIssue({
        code: 'custom',
        path: ['headers', name],
        message: 'is set by the SigV4 signature of aws-iam auth, which would replace it',
      });
    }
  }
  const parsed = awsIamAuthSchema.safeParse(auth);
  if (!parsed.success) return;
  const target = invokeTargetOf(parsed.data, url as string | { secret: unknown });
  if ('problem' in target)
    ctx.addIssue({ code: 'custom', path: ['auth', 'invokeArn'], message: target.problem });
}

const TARGETS = ['url', ...AWS_TARGET_KINDS] as const;
/** Fields an AWS target has no use for: its calls are signed as the worker's role, and AWS's API
 *  takes no extra headers, signature or client certificate. Set, they would be silently unused. */
const NOT_FOR_AWS_TARGETS = ['sign', 'tls', 'headers', 'live'] as const;

/** Exactly one of url, eventbridge, sns and sqs; an AWS target without the fields it cannot use. */
function reportTargetProblems(destination: unknown, ctx: z.core.$RefinementCtx): void {
  const fields = (destination ?? {}) as Record<string, unknown>;
  const set = TARGETS.filter((name) => fields[name] !== undefined);
  if (set.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: set.length === 0 ? ['url'] : [set[1] ?? 'url'],
      message:
        set.length === 0
          ? 'is required: where to deliver (or set eventbridge, sns or sqs for an AWS target)'
          : `set only one of url, eventbridge, sns and sqs (this destination sets ${set.join(' and ')})`,
    });
    return;
  }
  const [kind] = set;
  if (kind === 'url') return;
  const auth = fields.auth as { type?: unknown } | undefined;
  if (auth !== undefined && auth.type !== 'none') {
    ctx.addIssue({
      code: 'custom',
      path: ['auth'],
      message: `is not used by an ${kind} destination: its calls are signed with the worker's AWS credentials (remove auth)`,
    });
  }
  for (const name of NOT_FOR_AWS_TARGETS) {
    if (fields[name] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `is not used by an ${kind} destination (remove it)`,
      });
    }
  }
  // The key travels as the `idempotency-key` message attribute (and FIFO deduplication id).
  const { idempotencyHeader } = fields;
  if (idempotencyHeader !== undefined && idempotencyHeader !== DEFAULT_IDEMPOTENCY_HEADER) {
    ctx.addIssue({
      code: 'custom',
      path: ['idempotencyHeader'],
      message: `is not used by an ${kind} destination: the key is sent as the idempotency-key message attribute (remove it)`,
    });
  }
}
