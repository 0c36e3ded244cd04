// Each destination's own validator (or, where a service publishes none, its documented rules),
// as functions returning the problems of a rendered body (none when the service would accept it):
// Teams with the `adaptivecards` library, Discord with the @discordjs/builders predicates, Slack
// with its documented Block Kit limits, GitHub and PagerDuty with their API references. The
// `as*` functions are compile-time checks: the presets' output types must be the services' own
// request types (@slack/types, discord-api-types, @octokit/openapi-types).

import { isDeepStrictEqual } from 'node:util';
import { EmbedAssertions, embedLength } from '@discordjs/builders';
import type { operations } from '@octokit/openapi-types';
import type { KnownBlock } from '@slack/types';
import * as AdaptiveCards from 'adaptivecards';
import type { RESTPostAPIWebhookWithTokenJSONBody } from 'discord-api-types/v10';
import * as z from 'zod';
import type { DiscordMessage } from '../../lambda/core/render/presets/discord';
import type { GithubDispatch } from '../../lambda/core/render/presets/github-dispatch';
import type { SlackMessage } from '../../lambda/core/render/presets/slack';

type GithubDispatchBody =
  operations['repos/create-dispatch-event']['requestBody']['content']['application/json'];
export const asGithubBody = (body: GithubDispatch): GithubDispatchBody => body;
export const asDiscordBody = (body: DiscordMessage): RESTPostAPIWebhookWithTokenJSONBody => body;
export const asSlackBlocks = (body: SlackMessage): KnownBlock[] => body.blocks;

/** The problems of a rendered body: empty when the service accepts it. */
export type Validate = (body: unknown) => string[];

const codePoints = (s: string) => Array.from(s).length;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
/** Limits in "characters" hold in both UTF-16 units and code points (zod's max() counts the
 *  latter only). */
const chars = (max: number, min = 1) =>
  z
    .string()
    .min(min)
    .refine((s) => s.length <= max && codePoints(s) <= max, `at most ${max} characters`);
const issuesOf = (result: z.ZodSafeParseResult<unknown>) =>
  result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
const httpUrl = z.url({ protocol: /^https?$/ });

// Slack: docs.slack.dev/reference/block-kit (blocks, text object, button) and
// docs.slack.dev/messaging (a message's `text` is truncated past 40,000 characters).
const plainText = (max: number) =>
  z.strictObject({ type: z.literal('plain_text'), text: chars(max), emoji: z.boolean().optional() });
const textObject = (max: number) =>
  z.union([
    plainText(max),
    z.strictObject({ type: z.literal('mrkdwn'), text: chars(max), verbatim: z.boolean().optional() }),
  ]);
const richTextElement = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('text'),
    text: chars(3000),
    style: z.object({ bold: z.boolean() }).optional(),
  }),
  z.strictObject({
    type: z.literal('link'),
    text: chars(3000),
    url: httpUrl.refine((u) => u.length <= 3000),
    style: z.object({ bold: z.boolean() }).optional(),
  }),
]);
const slackBlock = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('header'), text: plainText(150) }),
  z.strictObject({
    type: z.literal('rich_text'),
    elements: z
      .array(
        z.strictObject({ type: z.literal('rich_text_section'), elements: z.array(richTextElement).min(1) }),
      )
      .min(1),
  }),
  z
    .strictObject({
      type: z.literal('section'),
      text: textObject(3000).optional(),
      fields: z.array(textObject(2000)).min(1).max(10).optional(),
    })
    .refine((block) => block.text !== undefined || block.fields !== undefined, 'text or fields'),
  z.strictObject({ type: z.literal('context'), elements: z.array(textObject(3000)).min(1).max(10) }),
  z.strictObject({
    type: z.literal('actions'),
    elements: z
      .array(
        z.strictObject({
          type: z.literal('button'),
          text: plainText(75),
          url: httpUrl.refine((u) => u.length <= 3000),
        }),
      )
      .min(1)
      .max(25),
  }),
]);
const slackMessage = z.strictObject({ text: chars(40_000), blocks: z.array(slackBlock).min(1).max(50) });

export const validateSlack: Validate = (body) => issuesOf(slackMessage.safeParse(body));

// Teams Workflows: a `message` with one Adaptive Card attachment, at most 28 KB
// (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors: message size limit).
const TEAMS_MAX_BYTES = 28 * 1024;
const teamsEnvelope = z.strictObject({
  type: z.literal('message'),
  attachments: z
    .array(
      z.strictObject({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        contentUrl: z.null(),
        content: z.looseObject({ type: z.literal('AdaptiveCard'), version: z.string() }),
      }),
    )
    .length(1),
});

/** Parses the card with the Adaptive Cards library, as Teams does, and checks that it keeps
 *  every property we set (an unknown one, or a value out of its enum, is dropped silently). */
function cardProblems(content: Record<string, unknown>): string[] {
  const parsing = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_5);
  const version = AdaptiveCards.Version.parse(String(content.version), parsing);
  if (!version?.isValid || version.compareTo(AdaptiveCards.Versions.v1_5) > 0) {
    return [`card version ${String(content.version)} is not a version up to 1.5`];
  }
  const card = new AdaptiveCards.AdaptiveCard();
  card.parse(content, parsing);
  const problems: string[] = [];
  for (let i = 0; i < parsing.eventCount; i++) problems.push(`parse: ${parsing.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  const { msteams: _host, version: _version, ...ours } = content;
  const { version: _again, ...kept } = card.toJSON(new AdaptiveCards.SerializationContext(version)) as Record<
    string,
    unknown
  >;
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(ours)), kept)) {
    problems.push(`the library does not keep the card as sent: ${JSON.stringify(kept).slice(0, 300)}`);
  }
  return problems;
}

export const validateTeams: Validate = (body) => {
  const envelope = teamsEnvelope.safeParse(body);
  if (!envelope.success) return issuesOf(envelope);
  const size = bytes(body);
  const problems = size <= TEAMS_MAX_BYTES ? [] : [`message is ${size} bytes, over 28 KB`];
  for (const { content } of envelope.data.attachments) problems.push(...cardProblems(content));
  return problems;
};

// Discord: the discord.js validators (UTF-16 lengths) plus the same limits in code points and
// the 6,000-character embed total (discord.com/developers/docs/resources/message#embed-limits).
const DISCORD_LIMITS: Array<[string, (embed: Record<string, unknown>) => unknown, number]> = [
  ['title', (e) => e.title, 256],
  ['description', (e) => e.description, 4096],
  ['author.name', (e) => (e.author as { name?: string } | undefined)?.name, 256],
  ['footer.text', (e) => (e.footer as { text?: string } | undefined)?.text, 2048],
];

function embedProblems(embed: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (what: string, run: () => unknown) => {
    try {
      run();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  check('title', () => EmbedAssertions.titlePredicate.parse(embed.title ?? null));
  check('description', () => EmbedAssertions.descriptionPredicate.parse(embed.description ?? null));
  check('url', () => EmbedAssertions.urlPredicate.parse(embed.url));
  check('color', () => EmbedAssertions.colorPredicate.parse(embed.color ?? null));
  check('author', () => EmbedAssertions.embedAuthorPredicate.parse(embed.author ?? null));
  check('footer', () => EmbedAssertions.embedFooterPredicate.parse(embed.footer ?? null));
  check('fields', () => EmbedAssertions.embedFieldsArrayPredicate.parse(embed.fields ?? []));
  check('timestamp', () =>
    EmbedAssertions.timestampPredicate.parse(embed.timestamp ? new Date(String(embed.timestamp)) : null),
  );
  for (const [what, read, max] of DISCORD_LIMITS) {
    const value = read(embed);
    if (typeof value === 'string' && codePoints(value) > max)
      problems.push(`${what}: over ${max} code points`);
  }
  for (const field of (embed.fields ?? []) as Array<{ name: string; value: string }>) {
    if (codePoints(field.name) > 256 || codePoints(field.value) > 1024)
      problems.push('field: too many code points');
  }
  const total = embedLength(embed as Parameters<typeof embedLength>[0]);
  if (total > 6000) problems.push(`embed totals ${total} characters, over 6000`);
  return problems;
}

export const validateDiscord: Validate = (body) => {
  const message = body as { allowed_mentions?: unknown; embeds?: Array<Record<string, unknown>> };
  const problems: string[] = [];
  if (!isDeepStrictEqual(message.allowed_mentions, { parse: [] })) problems.push('mentions are not disabled');
  if (!Array.isArray(message.embeds) || message.embeds.length < 1 || message.embeds.length > 10) {
    return [...problems, 'one to ten embeds are required'];
  }
  for (const embed of message.embeds) problems.push(...embedProblems(embed));
  return problems;
};

// PagerDuty Events API v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events): a
// 32-character routing key, dedup_key at most 255 characters (required to resolve), summary 1024,
// the whole event 512 KB.
const PAGERDUTY_MAX_BYTES = 512 * 1024;
const pagerDutyEvent = z.discriminatedUnion('event_action', [
  z.strictObject({
    routing_key: z.string().length(32),
    event_action: z.literal('trigger'),
    dedup_key: chars(255).optional(),
    payload: z.strictObject({
      summary: chars(1024),
      source: chars(255),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.iso.datetime().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.string()).optional(),
    }),
    client: z.string().optional(),
    client_url: httpUrl.optional(),
    links: z.array(z.strictObject({ href: httpUrl, text: z.string().optional() })).optional(),
  }),
  z.strictObject({
    routing_key: z.string().length(32),
    event_action: z.enum(['acknowledge', 'resolve']),
    dedup_key: chars(255),
  }),
]);

export const validatePagerDuty: Validate = (body) => {
  const size = bytes(body);
  return [
    ...issuesOf(pagerDutyEvent.safeParse(body)),
    ...(size <= PAGERDUTY_MAX_BYTES ? [] : [`${size} bytes`]),
  ];
};

// GitHub (its REST description, in @octokit/openapi-types): "event_type: Must be 100 characters
// or fewer"; client_payload: "The maximum number of top-level properties is 10. The total size
// of the JSON payload must be less than 64KB."
const GITHUB_MAX_BYTES = 64 * 1024;
const githubDispatch = z.strictObject({
  event_type: chars(100),
  client_payload: z
    .record(z.string(), z.unknown())
    .refine((payload) => Object.keys(payload).length <= 10, 'at most 10 top-level keys')
    .refine((payload) => bytes(payload) < GITHUB_MAX_BYTES, 'less than 64 KB'),
});

export const validateGithubDispatch: Validate = (body) => issuesOf(githubDispatch.safeParse(body));

/** Every rendered preset but `generic` (our own shape) against its service's rules. */
export const TARGET_VALIDATORS: ReadonlyArray<[string, Validate]> = [
  ['slack', validateSlack],
  ['teams', validateTeams],
  ['discord', validateDiscord],
  ['pagerduty', validatePagerDuty],
  ['github-dispatch', validateGithubDispatch],
];
