// The bridge config: zod schema (types inferred from it), parsing YAML/JSON text, and error
// messages that name the bad field's path. Validated once at startup and at `cdk synth`.
import * as z from 'zod';
import {
  configuredHeaderNameSchema,
  headerNameSchema,
  headerValueSchema,
  reportAuthHeaderConflicts,
  reportIdempotencyHeaderConflicts,
} from './config-headers';
import { urlProblem } from './destination-url';
import { ConfigError } from './errors';
import { PAYLOAD_KINDS } from './payloads';
import { PRESET_NAMES, PRESET_REQUIRED_SECRETS } from './presets';

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 60_000 } as const;
/** On by default: a destination that is down holds its jobs instead of dead-lettering them. */
export const DEFAULT_CIRCUIT_BREAKER = { failures: 20, coolDownMs: 60_000 } as const;
export const DEFAULT_IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** How long the replay guard remembers a notification: a week, far past SQS's 5-minute dedup. */
export const DEFAULT_REPLAY_TTL_SECONDS = 7 * 24 * 3600;

const idSchema = z
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
const ALWAYS = { when: () => true };

// Secrets a template reads as `$secrets.NAME`, for APIs that take their key in the body.
const templateSecretsSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a name usable as $secrets.NAME (letters, digits, "_")'),
  secretRefSchema,
);

const destinationSchema = z
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

const routeSchema = z
  .strictObject({
    id: idSchema,
    signingSecret: z.union([secretRefSchema, z.array(secretRefSchema).min(1).max(5)]).optional(),
    allowUnsigned: z.boolean().default(false),
    allowInsecureHttp: z.boolean().default(false),
    destinations: z.array(destinationSchema).min(1, 'must list at least one destination'),
  })
  .superRefine((route, ctx) => {
    if (!route.signingSecret && !route.allowUnsigned) {
      ctx.addIssue({
        code: 'custom',
        path: ['signingSecret'],
        message: 'is required (or set allowUnsigned: true to accept unsigned requests)',
      });
    }
    (Array.isArray(route.destinations) ? route.destinations : []).forEach((destination, index) => {
      const url: unknown = destination?.url;
      // The check a delivery makes, so a URL that passes here is one a delivery can use
      // (`HTTP://` is http too; credentials would be printed wherever the URL is).
      // Not an http(s) URL at all: the url field's own check says so.
      const web = typeof url === 'string' && /^https?:\/\//i.test(url.trim());
      const problem = web ? urlProblem(url, route.allowInsecureHttp === true) : null;
      if (problem !== null && problem !== 'is not a valid URL') {
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', index, 'url'],
          message: problem,
        });
      }
    });
    reportDuplicates(route.destinations, ['destinations'], ctx);
  }, ALWAYS);

// Off unless present. Top level, not per route: one store (one table on AWS), keyed per route.
// Safe to enable: HashiCorp bodies carry timestamps or event ids, so two legitimate notifications
// are never byte-identical, and verification requests (which may be) are answered before the check.
const replayGuardSchema = z.strictObject({
  ttlSeconds: z
    .int()
    .min(600) // past the queue's 5-minute deduplication window, or the guard adds nothing
    .max(365 * 24 * 3600)
    .default(DEFAULT_REPLAY_TTL_SECONDS),
});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    replayGuard: replayGuardSchema.optional(),
    routes: z.array(routeSchema).min(1, 'must list at least one route'),
    /** Deliveries in flight at once across all destinations (local lanes; on AWS the worker's
     *  event-source maximum concurrency, at least 2). Unset: one per destination with work. */
    maxConcurrency: z.int().min(1).max(1_000).optional(),
  })
  .superRefine((config, ctx) => reportDuplicates(config.routes, ['routes'], ctx), ALWAYS);

function reportDuplicates(items: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (!Array.isArray(items)) return;
  const seen = new Set<unknown>();
  items.forEach((item: { id?: unknown } | null, index) => {
    if (typeof item?.id !== 'string') return;
    if (seen.has(item.id)) {
      ctx.addIssue({ code: 'custom', path: [...path, index, 'id'], message: `duplicate id "${item.id}"` });
    }
    seen.add(item.id);
  });
}

export type BridgeConfig = z.infer<typeof configSchema>;
export type RouteConfig = BridgeConfig['routes'][number];
export type DestinationConfig = RouteConfig['destinations'][number];
export type SecretRef = z.infer<typeof secretRefSchema>;
export type AuthConfig = DestinationConfig['auth'];
export type TemplateConfig = DestinationConfig['template'];
export type FilterConfig = NonNullable<DestinationConfig['filter']>;
export type RetryPolicy = DestinationConfig['retry'];
export type RateLimitSettings = NonNullable<DestinationConfig['rateLimit']>;
export type ReplayGuardConfig = NonNullable<BridgeConfig['replayGuard']>;

/** `routes[0].destinations[1].url` from zod's path array. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue, parentPath: readonly PropertyKey[] = []): string[] {
  const path = [...parentPath, ...issue.path];
  const where = path.length > 0 ? formatPath(path) : '(config)';
  switch (issue.code) {
    case 'invalid_union': {
      // Report the branch that matched the input's type (a string URL vs { secret }), not all of them.
      const branch = issue.errors.find(
        (errors) => !errors.some((e) => e.code === 'invalid_type' && e.path.length === 0),
      );
      if (branch) return branch.flatMap((e) => describeIssue(e, path));
      return [`${where}: ${issue.errors.length === 0 ? issue.message : 'has the wrong type'}`];
    }
    case 'unrecognized_keys':
      return [
        `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
      ];
    case 'invalid_type':
      return [issue.input === undefined ? `${where}: is required` : `${where}: must be ${issue.expected}`];
    case 'too_small':
      return [`${where}: ${issue.origin === 'number' ? `must be at least ${issue.minimum}` : issue.message}`];
    case 'too_big':
      return [`${where}: must be at most ${issue.maximum}`];
    case 'invalid_value':
      return [`${where}: must be one of: ${issue.values.map(String).join(', ')}`];
    case 'invalid_key':
      return [`${where}: ${issue.issues.map((inner) => inner.message).join('; ')}`];
    default:
      return [`${where}: ${issue.message}`];
  }
}

/** Validates an already-parsed config object; throws ConfigError listing every bad field. */
export function parseConfig(input: unknown): BridgeConfig {
  const result = configSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(issue)));
  return result.data;
}

/** Every signing secret of a route, in order (a list while a token is being rotated). */
export function signingSecretsOf(route: RouteConfig): SecretRef[] {
  if (!route.signingSecret) return [];
  return Array.isArray(route.signingSecret) ? route.signingSecret : [route.signingSecret];
}

export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
