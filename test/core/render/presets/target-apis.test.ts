// Each preset's output, for every fixture, synthetic sample and hostile payload, passes the
// validator of the service it targets (test/support/target-api-schemas.ts).
import { describe, expect, it } from 'vitest';
import { classifyPayload } from '../../../../lambda/core/receive/payloads';
import type { DiscordMessage } from '../../../../lambda/core/render/presets/discord';
import type { GithubDispatch } from '../../../../lambda/core/render/presets/github-dispatch';
import type { SlackMessage } from '../../../../lambda/core/render/presets/slack';
import { compileTemplate } from '../../../../lambda/core/render/templates';
import { EXAMPLE_ROUTING_KEY, HOSTILE_SAMPLES, presetSamples } from '../../../support/preset-samples';
import {
  asDiscordBody,
  asGithubBody,
  asSlackBlocks,
  TARGET_VALIDATORS,
  validateDiscord,
  validateGithubDispatch,
  validateSlack,
  validateTeams,
} from '../../../support/target-api-schemas';

const SAMPLES = [...presetSamples(), ...HOSTILE_SAMPLES];

async function render(preset: string, body: string): Promise<unknown> {
  const text = await compileTemplate({ preset: preset as 'generic' })({
    body,
    notification: classifyPayload(JSON.parse(body)),
    secrets: { routingKey: EXAMPLE_ROUTING_KEY },
  });
  return JSON.parse(text);
}

describe.each(TARGET_VALIDATORS)('the %s preset meets its API contract', (preset, validate) => {
  it.each(SAMPLES)('for $name', async ({ body }) => {
    expect(validate(await render(preset, body))).toEqual([]);
  });
});

describe('the validators', () => {
  // A validator that accepts everything proves nothing: each refuses what its service refuses.
  it.each([
    [
      'slack: a header over 150 characters',
      validateSlack,
      { text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] },
    ],
    [
      'slack: a link text in 3000 emoji',
      validateSlack,
      {
        text: 'x',
        blocks: [
          {
            type: 'rich_text',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: '🚀'.repeat(1501) }] }],
          },
        ],
      },
    ],
    [
      'teams: a FactSet with an unknown property',
      validateTeams,
      teamsCard([{ type: 'FactSet', facts: [], sparkle: true }]),
    ],
    ['teams: an element Teams does not know', validateTeams, teamsCard([{ type: 'Carousel3D' }])],
    [
      'teams: version 1.6',
      validateTeams,
      {
        ...teamsCard([]),
        attachments: [
          { ...teamsCard([]).attachments[0], content: { type: 'AdaptiveCard', version: '1.6', body: [] } },
        ],
      },
    ],
    ['teams: over 28 KB', validateTeams, teamsCard([{ type: 'TextBlock', text: 'x'.repeat(29_000) }])],
    [
      'discord: a description of 4096 emoji (8192 UTF-16 units)',
      validateDiscord,
      discordEmbed({ description: '🚀'.repeat(4096) }),
    ],
    [
      'discord: 6001 characters in all',
      validateDiscord,
      discordEmbed({
        title: 'x'.repeat(256),
        description: 'y'.repeat(4096),
        footer: { text: 'z'.repeat(1649) },
      }),
    ],
    [
      'discord: mentions allowed',
      validateDiscord,
      { ...discordEmbed({ title: 'x' }), allowed_mentions: { parse: ['everyone'] } },
    ],
    [
      'github: 11 top-level keys',
      validateGithubDispatch,
      {
        event_type: 'x',
        client_payload: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, i])),
      },
    ],
    [
      'github: a 64 KB client_payload',
      validateGithubDispatch,
      { event_type: 'x', client_payload: { raw: 'r'.repeat(65_536) } },
    ],
    [
      'github: an event_type of 101 characters',
      validateGithubDispatch,
      { event_type: 'e'.repeat(101), client_payload: {} },
    ],
  ] as const)('refuses %s', (_, validate, body) => {
    expect(validate(body)).not.toEqual([]);
  });

  it('type-checks the bodies against the services’ request types', async () => {
    // The assignments are checked by `tsc`; at run time they only hand the body back.
    const slack = (await render('slack', presetSamples()[0]?.body ?? '{}')) as SlackMessage;
    const discord = (await render('discord', presetSamples()[0]?.body ?? '{}')) as DiscordMessage;
    const github = (await render('github-dispatch', presetSamples()[0]?.body ?? '{}')) as GithubDispatch;
    expect(asSlackBlocks(slack)).toBe(slack.blocks);
    expect(asDiscordBody(discord)).toBe(discord);
    expect(asGithubBody(github)).toBe(github);
  });
});

function teamsCard(body: unknown[]) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { type: 'AdaptiveCard', version: '1.4', body } as Record<string, unknown>,
      },
    ],
  };
}

function discordEmbed(embed: Record<string, unknown>) {
  return { allowed_mentions: { parse: [] }, embeds: [embed] };
}
