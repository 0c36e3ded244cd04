// The `live` option of a destination: one chat message per run, posted once and edited for every
// later notification (core/deliver/live/). Only services that can edit a posted message qualify:
// the Slack Web API (bot token + channel) and Discord webhooks. Refused at load, with the reason,
// everywhere else (docs/destinations.md "Live messages").
import * as z from 'zod';

/** Slack channel ids (C…, G…, D…) or names (#general, general): what chat.postMessage accepts. */
const channelSchema = z
  .string()
  .regex(/^#?[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/, 'must be a Slack channel id (C0123456789) or name');

export const liveSchema = z
  .union([
    z.literal(true),
    z.strictObject({
      channel: channelSchema.optional().meta({
        description:
          'Slack: the channel the bot posts in (an id such as C0123456789, or a name). Needs url: https://slack.com/api and auth: bearer with the bot token (xoxb-…).',
        examples: ['C0123456789'],
      }),
      thread: z
        .boolean()
        .optional()
        .describe(
          "Slack: post each later step as a reply in the first message's thread (the first message still shows the latest status).",
        ),
    }),
  ])
  .meta({
    description:
      'One message per run, edited for every later notification of that run (status, timeline, error). Slack Web API (live: { channel }) and Discord webhooks (live: true) only.',
    examples: [true, { channel: 'C0123456789' }, { channel: 'C0123456789', thread: true }],
  });

export type LiveConfig = z.infer<typeof liveSchema>;

/** Which live protocol a destination speaks, from its preset (null: not live). */
export type LiveService = 'slack' | 'discord';

export function liveServiceOf(destination: {
  live?: LiveConfig | undefined;
  template: { preset?: string | undefined };
}): LiveService | null {
  if (destination.live === undefined) return null;
  const preset = destination.template.preset;
  return preset === 'slack' || preset === 'discord' ? preset : null;
}

const SLACK_WEBHOOK_REASON =
  'Slack incoming webhooks cannot edit a posted message: live needs the Web API, with url: https://slack.com/api, auth: { type: bearer, secret: <the xoxb- bot token> } and live: { channel: C… }';

interface LiveFields {
  live?: unknown;
  url?: unknown;
  auth?: { type?: unknown } | undefined;
  template?: { preset?: unknown } | undefined;
  ordering?: unknown;
}

function hostOf(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** Cross-field checks of `live` (its input may be partly invalid: the other checks still run). */
export function reportLiveProblems(destination: LiveFields | undefined, ctx: z.RefinementCtx): void {
  const live = destination?.live;
  if (live === undefined) return;
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const preset = destination?.template?.preset;
  const options = typeof live === 'object' && live !== null ? (live as { channel?: unknown }) : {};
  if (preset === 'teams') {
    issue(
      ['live'],
      'Teams Workflows cannot edit a posted card (the webhook answers 202 with no message id): live is not possible for Teams',
    );
  } else if (preset === 'slack') {
    if (options.channel === undefined) issue(['live'], SLACK_WEBHOOK_REASON);
    if (hostOf(destination?.url) === 'hooks.slack.com') issue(['url'], SLACK_WEBHOOK_REASON);
    if (destination?.auth?.type !== 'bearer') {
      issue(['auth'], 'live on Slack needs auth: { type: bearer, secret: <the xoxb- bot token> }');
    }
  } else if (preset === 'discord') {
    if (typeof live === 'object') {
      issue(['live'], 'Discord takes live: true (channel and thread are Slack options)');
    }
  } else {
    issue(['live'], 'live works with the slack (Web API) and discord presets only');
  }
  // The edits of one run must be applied in the order of its notifications.
  if (destination?.ordering === 'none') {
    issue(
      ['ordering'],
      'live needs ordered deliveries: use ordering: workspace (the default) or destination',
    );
  }
}

/** True when some destination is `live`: only then does a deployment need the live-message table. */
export function usesLive(config: {
  routes: ReadonlyArray<{ destinations: ReadonlyArray<{ live?: unknown }> }>;
}): boolean {
  return config.routes.some((route) => route.destinations.some((d) => d.live !== undefined));
}

/** Why a Slack live destination's bearer secret cannot be its token (null: it can). A pasted
 *  incoming-webhook URL is the likely mistake. */
export function slackTokenProblem(value: string): string | null {
  if (/^xox[bp]-[A-Za-z0-9-]{1,250}$/.test(value)) return null;
  return value.startsWith('https://')
    ? 'is a URL, not a Slack bot token (xoxb-…): live on Slack posts with the Web API, not an incoming webhook'
    : 'is not a Slack bot token (xoxb-…)';
}
