// The config of one destination: where it is, how it authenticates, what it sends, and how its
// deliveries are retried, paced and paused. zod schemas; types are inferred in schema.ts.
import * as z from 'zod';
import { PAYLOAD_KINDS } from '../receive/payloads';
import { PRESET_NAMES, PRESET_REQUIRED_SECRETS } from '../render/presets';
import {
  configuredHeaderNameSchema,
  headerNameSchema,
  headerValueSchema,
  reportAuthHeaderConflicts,
  reportIdempotencyHeaderConflicts,
} from './headers';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 } as const;
/** On by default: a destination that is down holds its jobs instead of dead-lettering them. */
export const DEFAULT_CIRCUIT_BREAKER = { failures: 20, coolDownMs: 60_000 } as const;
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

export const secretRefSchema = z.strictObject({
  secretId: z.string().min(1, 'must not be empty'),
  jsonKey: z.string().min(1, 'must not be empty').optional(),
});

const authSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('bearer'), secret: secretRefSchema }),
    z.strictObject({
      type: z.literal('header'),
      name: configuredHeaderNameSchema,
      prefix: headerValueSchema.optional(),
      secret: secretRefSchema,
    }),
    z.strictObject({
      type: z.literal('basic'),
      // RFC 7617: the user-id ends at the first colon, so one with a colon never authenticates.
      username: z.union([z.string().regex(/^[^:]*$/, 'must not contain ":"'), secretRefSchema]),
      password: secretRefSchema,
    }),
  ],
  { error: 'must be one of: none, bearer, header, basic' },
);

// One object with exactly one key set, rather than a union, so a bad preset name is reported as
// `template.preset: must be one of ...` instead of "no union member matched".
const templateSchema = z
  .strictObject({
    preset: z.enum(PRESET_NAMES, { error: `must be one of: ${PRESET_NAMES.join(', ')}` }).optional(),
    jsonata: z.string().min(1, 'must not be empty').optional(),
    file: z.string().min(1, 'must not be empty').optional(),
  })
  .refine((t) => [t.preset, t.jsonata, t.file].filter((v) => v !== undefined).length === 1, {
    error: 'must set exactly one of preset, jsonata or file',
  });

const stringList = z.array(z.string().min(1)).min(1, 'must list at least one value');

const filterSchema = z.strictObject({
  triggers: stringList.optional(),
  workspaces: stringList.optional(),
  organizations: stringList.optional(),
  kinds: z
    .array(z.enum(PAYLOAD_KINDS.filter((k) => k !== 'verification')))
    .min(1)
    .optional(),
});

const retrySchema = z.strictObject({
  maxAttempts: z.int().min(1).max(50).default(DEFAULT_RETRY.maxAttempts),
  baseDelayMs: z.int().min(0).default(DEFAULT_RETRY.baseDelayMs),
  maxDelayMs: z.int().min(0).default(DEFAULT_RETRY.maxDelayMs),
});

// Off by default. One lane per destination already means at most one request in flight.
const rateLimitSchema = z.strictObject({
  perSecond: z.number().min(0.001).max(10_000),
  burst: z.int().min(1).max(10_000).default(1),
});

const circuitBreakerSchema = z.union([
  z.strictObject({
    failures: z.int().min(1).max(1_000).default(DEFAULT_CIRCUIT_BREAKER.failures),
    coolDownMs: z.int().min(1).max(3_600_000).default(DEFAULT_CIRCUIT_BREAKER.coolDownMs),
  }),
  // A boolean rather than literal(false), so `true` gets this message and not "must be false".
  z
    .boolean()
    .refine((on) => !on, 'must be false (to turn it off) or { failures, coolDownMs }')
    .transform(() => false as const),
]);

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
    id: idSchema,
    url: z.union([
      z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      z.strictObject({ secret: secretRefSchema }),
    ]),
    auth: authSchema.default({ type: 'none' }),
    template: templateSchema.default({ preset: 'passthrough' }),
    filter: filterSchema.optional(),
    headers: z.record(configuredHeaderNameSchema, headerValueSchema).optional(),
    // The same key on every retry and redelivery of a notification, so the destination can dedupe.
    idempotencyHeader: z
      .union([
        headerNameSchema,
        z
          .boolean()
          .refine((on) => !on, 'must be a header name, or false to send none')
          .transform(() => false as const),
      ])
      .default(DEFAULT_IDEMPOTENCY_HEADER),
    secrets: templateSecretsSchema.optional(),
    timeoutMs: z.int().min(1).max(900_000).default(DEFAULT_TIMEOUT_MS),
    retry: retrySchema.default(DEFAULT_RETRY),
    rateLimit: rateLimitSchema.optional(),
    circuitBreaker: circuitBreakerSchema.default(DEFAULT_CIRCUIT_BREAKER),
    // Which notifications keep their order: those of one workspace (or HCP resource), all of the
    // destination's (one at a time), or none (every job on its own).
    ordering: z
      .enum(ORDERINGS, { error: `must be one of: ${ORDERINGS.join(', ')}` })
      .default(DEFAULT_ORDERING),
  })
  .superRefine((destination, ctx) => {
    reportIdempotencyHeaderConflicts(destination, ctx);
    reportAuthHeaderConflicts(destination, ctx);
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
