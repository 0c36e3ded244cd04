// What each destination's API documents as required (and its limits), as zod schemas: Slack
// incoming webhooks + Block Kit, Teams Workflows + Adaptive Cards, Discord webhooks, PagerDuty
// Events API v2, GitHub repository_dispatch. A preset's output must parse with its schema.
import * as z from 'zod';

const text = (max: number) => z.string().min(1).max(max);
const plainText = (max: number) =>
  z.strictObject({ type: z.literal('plain_text'), text: text(max), emoji: z.boolean().optional() });
const slackText = (max: number) => z.object({ type: z.enum(['plain_text', 'mrkdwn']), text: text(max) });

const slackBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: plainText(150) }),
  z
    .object({
      type: z.literal('section'),
      text: slackText(3000).optional(),
      fields: z.array(slackText(2000)).min(1).max(10).optional(),
    })
    .refine(
      (block) => block.text !== undefined || block.fields !== undefined,
      'a section needs text or fields',
    ),
  z.object({ type: z.literal('context'), elements: z.array(slackText(3000)).min(1).max(10) }),
  z.object({
    type: z.literal('actions'),
    elements: z
      .array(z.object({ type: z.literal('button'), text: plainText(75), url: z.url().max(3000) }))
      .min(1)
      .max(25),
  }),
]);

export const slackMessage = z
  .object({ text: text(40_000).optional(), blocks: z.array(slackBlock).max(50).optional() })
  .refine(
    (message) => message.text !== undefined || message.blocks !== undefined,
    'text or blocks is required',
  );

const cardElement = z.discriminatedUnion('type', [
  z.object({ type: z.literal('TextBlock'), text: z.string() }),
  z.object({
    type: z.literal('FactSet'),
    facts: z.array(z.object({ title: z.string(), value: z.string() })).min(1),
  }),
  z.object({
    type: z.literal('Container'),
    items: z.array(z.object({ type: z.literal('TextBlock'), text: z.string() })).min(1),
  }),
]);

export const teamsMessage = z.object({
  type: z.literal('message'),
  attachments: z
    .array(
      z.object({
        contentType: z.literal('application/vnd.microsoft.card.adaptive'),
        content: z.object({
          type: z.literal('AdaptiveCard'),
          // Teams Workflows renders Adaptive Cards up to 1.5; the issue asks for 1.4 or later.
          version: z.string().refine((v) => ['1.4', '1.5'].includes(v), 'version must be 1.4 or 1.5'),
          body: z.array(cardElement).min(1),
          actions: z
            .array(z.object({ type: z.literal('Action.OpenUrl'), title: z.string().min(1), url: z.url() }))
            .optional(),
        }),
      }),
    )
    .min(1),
});

const discordEmbed = z
  .object({
    title: text(256).optional(),
    description: text(4096).optional(),
    url: z.url().optional(),
    color: z.int().min(0).max(0xffffff).optional(),
    timestamp: z.iso.datetime().optional(),
    author: z.object({ name: text(256) }).optional(),
    footer: z.object({ text: text(2048) }).optional(),
    fields: z
      .array(z.object({ name: text(256), value: text(1024), inline: z.boolean().optional() }))
      .max(25)
      .optional(),
  })
  .refine((embed) => {
    const fields = embed.fields ?? [];
    const total =
      (embed.title?.length ?? 0) +
      (embed.description?.length ?? 0) +
      (embed.author?.name.length ?? 0) +
      (embed.footer?.text.length ?? 0) +
      fields.reduce((sum, field) => sum + field.name.length + field.value.length, 0);
    return total <= 6000;
  }, 'the characters of an embed must total at most 6000');

export const discordMessage = z
  .object({ content: text(2000).optional(), embeds: z.array(discordEmbed).max(10).optional() })
  .refine(
    (message) => message.content !== undefined || (message.embeds?.length ?? 0) > 0,
    'content or embeds is required',
  );

export const pagerDutyEvent = z.discriminatedUnion('event_action', [
  z.object({
    routing_key: z.string().length(32),
    event_action: z.literal('trigger'),
    dedup_key: text(255),
    payload: z.object({
      summary: text(1024),
      source: text(255),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.iso.datetime().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    }),
    links: z.array(z.object({ href: z.url(), text: z.string().optional() })).optional(),
  }),
  z.object({
    routing_key: z.string().length(32),
    event_action: z.enum(['acknowledge', 'resolve']),
    dedup_key: text(255),
  }),
]);

export const githubDispatch = z.object({
  event_type: text(100),
  client_payload: z
    .record(z.string(), z.unknown())
    .refine(
      (payload) => Object.keys(payload).length <= 10,
      'client_payload may have at most 10 top-level keys',
    ),
});
