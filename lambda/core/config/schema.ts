// The bridge config: routes, each with its signing secret and destinations (destination.ts), and
// the top-level settings. Types are inferred from the schemas. Validated once at startup and at
// `cdk synth` (parse.ts turns zod's issues into messages that name the field). Every field has a
// description for editors (the JSON Schema); a test fails for one without.
import * as z from 'zod';
import {
  ALWAYS,
  DEFAULT_REPLAY_TTL_SECONDS,
  destinationSchema,
  idSchema,
  secretRefSchema,
} from './destination';
import { urlProblem } from './destination-url';
import { enrichSchema } from './enrich';

/** Deliveries in flight at once when the config does not say: with ordering per workspace a
 *  destination may have many jobs ready, and this keeps a burst from opening hundreds of
 *  connections (or Lambda invocations) at once. */
export const DEFAULT_MAX_CONCURRENCY = 10;

const routeSchema = z
  .strictObject({
    id: idSchema.meta({
      description: "The route's name: HashiCorp posts to /hooks/<id>.",
      examples: ['prod-runs'],
    }),
    signingSecret: z
      .union([secretRefSchema, z.array(secretRefSchema).min(1).max(5)])
      .optional()
      .meta({
        description:
          'The token set in the HCP Terraform notification configuration (or HCP webhook); requests must be signed with it. A list while rotating: any of them is accepted.',
        examples: [
          { secretId: 'tfe-bridge/prod-runs-hmac' },
          [{ secretId: 'hmac-new' }, { secretId: 'hmac-old' }],
        ],
      }),
    allowUnsigned: z
      .boolean()
      .default(false)
      .describe('Accept requests without a valid signature (no signingSecret needed). Not recommended.'),
    allowInsecureHttp: z
      .boolean()
      .default(false)
      .describe('Allow http:// destination URLs on this route (local testing); https otherwise.'),
    enrich: enrichSchema.optional().meta({
      description:
        'Read run details from the HCP Terraform / TFE API before rendering: plan and apply counts, cost, policy outcome, workspace tags, error excerpt (docs/enrichment.md).',
      examples: [{ hcpTerraform: { token: { secretId: 'tfe-bridge/tfc-read-token' } } }],
    }),
    destinations: z
      .array(destinationSchema)
      .min(1, 'must list at least one destination')
      .describe('Where each accepted notification goes: one job per destination whose filter matches.'),
  })
  .superRefine((route, ctx) => {
    // `routes: [~]`: the route's own check already says it must be an object.
    if (typeof route !== 'object' || route === null) return;
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
      // The token endpoint receives the client secret: the same rule as the URL.
      const tokenUrl: unknown = destination?.auth?.type === 'oauth2' ? destination.auth.tokenUrl : undefined;
      const tokenProblem =
        typeof tokenUrl === 'string' ? urlProblem(tokenUrl, route.allowInsecureHttp === true) : null;
      if (tokenProblem !== null && tokenProblem !== 'is not a valid URL') {
        ctx.addIssue({
          code: 'custom',
          path: ['destinations', index, 'auth', 'tokenUrl'],
          message: tokenProblem,
        });
      }
    });
    reportDuplicates(route.destinations, ['destinations'], ctx);
    checkEnrichment(route, ctx);
  }, ALWAYS);

/** Tag filters need the tags; an http API address is for local testing, as for destinations. */
function checkEnrichment(route: z.input<typeof routeSchema>, ctx: z.RefinementCtx): void {
  const address: unknown = route.enrich?.hcpTerraform?.address;
  if (typeof address === 'string' && /^http:\/\//i.test(address) && route.allowInsecureHttp !== true) {
    ctx.addIssue({
      code: 'custom',
      path: ['enrich', 'hcpTerraform', 'address'],
      message: 'must be https (http only with allowInsecureHttp on the route)',
    });
  }
  (Array.isArray(route.destinations) ? route.destinations : []).forEach((destination, index) => {
    if (destination?.filter?.workspaceTags !== undefined && route.enrich === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['destinations', index, 'filter', 'workspaceTags'],
        message: 'needs enrich.hcpTerraform on the route (tags come from the API)',
      });
    }
  });
}

// Off unless present. Top level, not per route: one store (one table on AWS), keyed per route.
// Safe to enable: HashiCorp bodies carry timestamps or event ids, so two legitimate notifications
// are never byte-identical, and verification requests (which may be) are answered before the check.
const replayGuardSchema = z.strictObject({
  ttlSeconds: z
    .int()
    .min(600) // past the queue's 5-minute deduplication window, or the guard adds nothing
    .max(365 * 24 * 3600)
    .default(DEFAULT_REPLAY_TTL_SECONDS)
    .describe('How long an accepted body is remembered, in seconds (600 to a year; default a week).'),
});

export const configSchema = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .describe(
        'The JSON Schema editors check this file with (output of `tfe-bridge schema`); ignored by the bridge.',
      ),
    replayGuard: replayGuardSchema.optional().meta({
      description:
        'Refuse a body already accepted on the same route within ttlSeconds (409), against replays of a captured request. Off unless present.',
      examples: [{ ttlSeconds: 604800 }],
    }),
    routes: z
      .array(routeSchema)
      .min(1, 'must list at least one route')
      .describe(
        'Webhook endpoints: each route is one URL, /hooks/<id>, with its signing secret and destinations.',
      ),
    /** Deliveries in flight at once across all destinations: locally the runner's bound, on AWS the
     *  worker event source's maximum concurrency (at least 2). Default DEFAULT_MAX_CONCURRENCY. */
    maxConcurrency: z
      .int()
      .min(1)
      .max(1_000)
      .optional()
      .describe(
        `Deliveries in flight at once across all destinations (default ${DEFAULT_MAX_CONCURRENCY}); on AWS the worker's maximum concurrency, at least 2.`,
      ),
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
/** A config as written (defaults not applied yet), e.g. the TfeBridge construct's `config`. */
export type BridgeConfigInput = z.input<typeof configSchema>;
export type RouteConfig = BridgeConfig['routes'][number];
export type DestinationConfig = RouteConfig['destinations'][number];
export type SecretRef = z.infer<typeof secretRefSchema>;
export type AuthConfig = DestinationConfig['auth'];
export type TemplateConfig = DestinationConfig['template'];
export type FilterConfig = NonNullable<DestinationConfig['filter']>;
export type RetryPolicy = DestinationConfig['retry'];
export type RateLimitSettings = NonNullable<DestinationConfig['rateLimit']>;
export type EnrichConfig = NonNullable<RouteConfig['enrich']>['hcpTerraform'];
export type ReplayGuardConfig = NonNullable<BridgeConfig['replayGuard']>;
