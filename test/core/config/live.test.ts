// The `live` option at load: accepted for the Slack Web API and Discord webhooks, refused with the
// reason where a posted message cannot be edited (Slack incoming webhooks, Teams Workflows).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { checkSecrets, formatSecretProblem } from '../../../lambda/core/config/secret-check';
import { ConfigError } from '../../../lambda/core/errors';
import { MemorySecretStore } from '../../support/memory-secret-store';

const slackBot = { type: 'bearer', secret: { secretId: 'slack-bot' } };
const slackApi = { id: 'chat', url: 'https://slack.com/api', auth: slackBot, template: { preset: 'slack' } };
const discord = { id: 'chat', url: { secret: { secretId: 'discord-url' } }, template: { preset: 'discord' } };

function problemsOf(destination: Record<string, unknown>): string[] {
  try {
    parseConfig({
      routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, destinations: [destination] }],
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const at = (field: string) => `routes[0].destinations[0].${field}`;

describe('live at load', () => {
  it('accepts the Slack Web API with a channel (and thread), and Discord with live: true', () => {
    expect(problemsOf({ ...slackApi, live: { channel: 'C0123456789' } })).toEqual([]);
    expect(problemsOf({ ...slackApi, live: { channel: '#deploys', thread: true } })).toEqual([]);
    expect(problemsOf({ ...discord, live: true })).toEqual([]);
  });

  it('refuses live on a Slack incoming webhook, saying it cannot edit', () => {
    const webhook = {
      id: 'chat',
      url: 'https://hooks.slack.com/services/T0/B0/X',
      template: { preset: 'slack' },
    };
    const problems = problemsOf({ ...webhook, live: true });
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^routes\[0\]\.destinations\[0\]\.live: Slack incoming webhooks cannot edit a posted message/,
      ),
    );
    expect(problems).toContainEqual(
      expect.stringContaining(`${at('url')}: Slack incoming webhooks cannot edit`),
    );
    expect(problems).toContainEqual(
      `${at('auth')}: live on Slack needs auth: { type: bearer, secret: <the xoxb- bot token> }`,
    );
    // A webhook URL kept as a secret is refused too: no channel means no Web API.
    expect(problemsOf({ ...webhook, url: { secret: { secretId: 'hook' } }, live: true })).toContainEqual(
      expect.stringContaining(`${at('live')}: Slack incoming webhooks cannot edit`),
    );
  });

  it('refuses live on Teams with the reason', () => {
    const teams = {
      id: 'chat',
      url: { secret: { secretId: 'teams-url' } },
      template: { preset: 'teams' },
      live: true,
    };
    expect(problemsOf(teams)).toEqual([
      `${at('live')}: Teams Workflows cannot edit a posted card (the webhook answers 202 with no message id): live is not possible for Teams`,
    ]);
  });

  it('refuses live on other templates, Slack options on Discord, and unordered deliveries', () => {
    expect(problemsOf({ id: 'x', url: 'https://api.example.com', live: true })).toEqual([
      `${at('live')}: live works with the slack (Web API) and discord presets only`,
    ]);
    expect(problemsOf({ ...discord, live: { channel: 'C0123456789' } })).toEqual([
      `${at('live')}: Discord takes live: true (channel and thread are Slack options)`,
    ]);
    expect(problemsOf({ ...discord, live: true, ordering: 'none' })).toEqual([
      `${at('ordering')}: live needs ordered deliveries: use ordering: workspace (the default) or destination`,
    ]);
  });

  it('refuses live: false, unknown keys and hostile channel names', () => {
    expect(problemsOf({ ...discord, live: false }).length).toBeGreaterThan(0);
    expect(problemsOf({ ...slackApi, live: { channel: 'C0123456789', edit: true } }).length).toBeGreaterThan(
      0,
    );
    expect(problemsOf({ ...slackApi, live: { channel: '<!channel>' } })).toContainEqual(
      `${at('live.channel')}: must be a Slack channel id (C0123456789) or name`,
    );
  });
});

describe('a Slack live destination’s bot token, checked ahead of time', () => {
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        destinations: [{ ...slackApi, live: { channel: 'C0123456789' } }],
      },
    ],
  });
  const check = (token: string) =>
    checkSecrets(config, new MemorySecretStore({ hmac: 'h', 'slack-bot': token })).then((p) =>
      p.map(formatSecretProblem),
    );

  it('accepts an xoxb- token and names a pasted webhook URL as the mistake', async () => {
    expect(await check('xoxb-1234-5678-abcdef')).toEqual([]);
    expect(await check('https://hooks.slack.com/services/T0/B0/X')).toEqual([
      'routes[0].destinations[0].auth.secret: secret "slack-bot" is a URL, not a Slack bot token (xoxb-…): live on Slack posts with the Web API, not an incoming webhook',
    ]);
    expect(await check('xoxb-1234\nX-Evil: 1')).toEqual([
      'routes[0].destinations[0].auth.secret: secret "slack-bot" is not a Slack bot token (xoxb-…)',
    ]);
  });
});
