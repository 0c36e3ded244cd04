// Live messages end to end: a run's whole life (created → planning → needs_attention → applying →
// errored) signed into the bridge, delivered to local servers that speak the Slack Web API and a
// Discord webhook as documented, and the one message each service ends with read back.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliProcess, startCli } from '../support/cli-process';
import { closeAfterEach } from '../support/closed-after-each';
import { type DiscordWebhook, startDiscordWebhook } from '../support/discord-webhook-server';
import { eventually, type TestBridge } from '../support/local-bridge';
import { LIFE_STATUSES, runLife } from '../support/run-life';
import { signedRequest } from '../support/signed-request';
import { SLACK_CHANNEL_ID, type SlackWebApi, startSlackWebApi } from '../support/slack-web-api-server';

const HMAC = 'live-messages-signing-token-01';
const BOT_TOKEN = 'xoxb-1111-2222-live-bot-token-abcdef';
const FAST_RETRY = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 50 };

const servers: Array<{ close(): Promise<void> }> = [];
const processes: CliProcess[] = [];
afterEach(async () => {
  for (const cli of processes.splice(0)) cli.child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => server.close()));
});
const { bridge: startBridge } = closeAfterEach();

async function slackApi(channels?: string[]): Promise<SlackWebApi> {
  const api = await startSlackWebApi({ token: BOT_TOKEN, ...(channels ? { channels } : {}) });
  servers.push(api);
  return api;
}

async function discordWebhook(): Promise<DiscordWebhook> {
  const webhook = await startDiscordWebhook();
  servers.push(webhook);
  return webhook;
}

const slackDestination = (api: SlackWebApi, live: Record<string, unknown> = {}) => ({
  id: 'slack-live',
  url: api.url,
  auth: { type: 'bearer', secret: { secretId: 'slack-bot' } },
  template: { preset: 'slack' },
  live: { channel: SLACK_CHANNEL_ID, ...live },
  retry: FAST_RETRY,
});

const discordDestination = {
  id: 'discord-live',
  url: { secret: { secretId: 'discord-url' } },
  template: { preset: 'discord' },
  live: true,
  retry: FAST_RETRY,
};

function bridge(destinations: unknown[], discordUrl = 'http://127.0.0.1:9/none'): Promise<TestBridge> {
  return startBridge(
    { routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations }] },
    { hmac: HMAC, 'slack-bot': BOT_TOKEN, 'discord-url': discordUrl },
  );
}

async function send(url: string, body: string): Promise<void> {
  const response = await fetch(`${url}/hooks/runs`, signedRequest({ body, secret: HMAC }));
  expect(response.status).toBe(202);
}

/** The text a person reads in a Slack message: its blocks' plain text, joined. */
function slackText(message: { blocks: unknown[] }): string {
  return JSON.stringify(message.blocks);
}

/** Order of `words` in `text` (each must be there). */
function positions(text: string, words: string[]): number[] {
  return words.map((word) => {
    const at = text.indexOf(word);
    expect(at, `${word} in ${text}`).toBeGreaterThanOrEqual(0);
    return at;
  });
}

const ascending = (values: number[]) => values.every((v, i) => i === 0 || v > (values[i - 1] ?? -1));

describe('Slack live message (Web API)', () => {
  it('ends a run as one message showing each step and the error, through the real binary', async () => {
    const api = await slackApi();
    const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-live-'));
    const config = {
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [slackDestination(api)],
        },
      ],
    };
    writeFileSync(join(dir, 'bridge.yaml'), stringify(config));
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ hmac: HMAC, 'slack-bot': BOT_TOKEN }));
    const cli = startCli([
      'serve',
      '--config',
      join(dir, 'bridge.yaml'),
      '--secrets',
      join(dir, 'secrets.json'),
      '--port',
      '0',
      '--store',
      join(dir, 'bridge.db'),
    ]);
    processes.push(cli);
    const [, url = ''] = await cli.waitForOutput(/"message":"listening","url":"([^"]+)"/);

    for (const body of runLife()) await send(url, body);
    await eventually(() => (api.calls.length >= 5 ? true : undefined), 20_000);

    expect(api.calls.map((c) => c.method)).toEqual(['chat.postMessage', ...Array(4).fill('chat.update')]);
    expect(api.calls.every((c) => c.authorization === `Bearer ${BOT_TOKEN}`)).toBe(true);
    const messages = api.messages();
    expect(messages).toHaveLength(1);
    const [message] = messages as [(typeof messages)[0]];
    expect(message.edits).toBe(4);
    expect(message.text).toBe(':red_circle: Run Errored in org1/tf-aws-simple');
    const text = slackText(message);
    expect(text).toContain('Timeline (5 steps)');
    expect(
      ascending(
        positions(
          text,
          LIFE_STATUSES.map((s) => `UTC  ${s}`),
        ),
      ),
    ).toBe(true);
    expect(text).toContain('2020-09-09 07:41:30 UTC  errored (Run Errored)');
    expect(cli.output()).not.toContain(BOT_TOKEN);
  });

  it('with thread: true, posts one parent and each later step as a reply', async () => {
    const api = await slackApi();
    const b = await bridge([slackDestination(api, { thread: true })]);
    for (const body of runLife()) await send(b.url, body);
    await eventually(() => (api.messages().length >= 5 && api.calls.length >= 9 ? true : undefined), 15_000);
    const [parent, ...replies] = api.messages();
    expect(parent?.threadTs).toBeUndefined();
    expect(replies).toHaveLength(4);
    expect(replies.every((reply) => reply.threadTs === parent?.ts)).toBe(true);
    expect(replies.map((reply) => reply.text)).toEqual([
      ':large_blue_circle: Run Planning in org1/tf-aws-simple',
      expect.stringContaining('Run Needs Attention'),
      expect.stringContaining('Run Applying'),
      ':red_circle: Run Errored in org1/tf-aws-simple',
    ]);
    // The parent shows the latest status and the whole timeline.
    expect(parent?.text).toContain('Run Errored');
    expect(slackText(parent ?? { blocks: [] })).toContain('Timeline (5 steps)');
  });

  it('reads a rotated bot token again when Slack refuses the old one, and edits the same message', async () => {
    const NEW_TOKEN = 'xoxb-1111-2222-live-bot-token-rotated';
    const slack = { token: BOT_TOKEN };
    const api = await startSlackWebApi(slack);
    servers.push(api);
    const b = await bridge([slackDestination(api)]);
    const [created = '', planning = ''] = runLife();
    await send(b.url, created);
    await eventually(() => (api.messages().length === 1 ? true : undefined));
    // The token is rotated at Slack and in the secrets store; the bridge still holds the old one.
    slack.token = NEW_TOKEN;
    b.writeSecrets({ hmac: HMAC, 'slack-bot': NEW_TOKEN, 'discord-url': 'http://127.0.0.1:9/none' });
    await send(b.url, planning);
    await eventually(() => (api.messages()[0]?.edits === 1 ? true : undefined));
    expect(api.calls.map((c) => [c.method, c.authorization])).toEqual([
      ['chat.postMessage', `Bearer ${BOT_TOKEN}`],
      ['chat.update', `Bearer ${BOT_TOKEN}`],
      ['chat.update', `Bearer ${NEW_TOKEN}`],
    ]);
    expect(api.messages()).toHaveLength(1);
    expect(b.deadLetters()).toEqual([]);
  });

  it('dead-letters channel_not_found with that reason, and never retries it', async () => {
    const api = await slackApi(['C0OTHER0001']);
    const b = await bridge([slackDestination(api)]);
    await send(b.url, runLife()[0] ?? '');
    const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
    expect(letter).toMatchObject({
      reason: 'permanent',
      lastError: 'Slack chat.postMessage: channel_not_found',
      attempts: 1,
    });
    expect(api.calls).toHaveLength(1);
  });

  it('retries ratelimited answers and 429 with Retry-After, then edits the same message', async () => {
    const api = await slackApi();
    const b = await bridge([slackDestination(api)]);
    const [created = '', planning = ''] = runLife();
    api.failNext('chat.postMessage', { error: 'ratelimited' });
    await send(b.url, created);
    await eventually(() => (api.messages().length === 1 ? true : undefined));
    api.failNext('chat.update', { status: 429, retryAfter: 1 });
    await send(b.url, planning);
    await eventually(() => (api.messages()[0]?.edits === 1 ? true : undefined));
    expect(api.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'chat.postMessage',
      'chat.update',
      'chat.update',
    ]);
    expect(api.messages()).toHaveLength(1);
    expect(b.deadLetters()).toEqual([]);
  });

  it('posts a new message when the run’s message was deleted, and edits that one afterwards', async () => {
    const api = await slackApi();
    const b = await bridge([slackDestination(api)]);
    const [created = '', planning = '', attention = ''] = runLife();
    await send(b.url, created);
    const first = await eventually(() => api.messages()[0]);
    api.deleteMessage(first.ts);
    await send(b.url, planning);
    const second = await eventually(() => api.messages()[0]);
    await send(b.url, attention);
    await eventually(() => (api.messages()[0]?.edits === 1 ? true : undefined));
    expect(second.ts).not.toBe(first.ts);
    expect(api.messages()).toHaveLength(1);
    expect(slackText(api.messages()[0] ?? { blocks: [] })).toContain('Timeline (3 steps)');
  });
});

describe('Discord live message (webhook)', () => {
  it('ends a run as one message, edited for every later step', async () => {
    const webhook = await discordWebhook();
    const b = await bridge([discordDestination], webhook.url);
    for (const body of runLife()) await send(b.url, body);
    await eventually(() => (webhook.calls.length >= 5 ? true : undefined), 15_000);
    expect(webhook.calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'PATCH', 'PATCH', 'PATCH']);
    expect(webhook.calls[0]?.path).toMatch(/\?wait=true$/);
    const [message] = webhook.messages();
    expect(webhook.messages()).toHaveLength(1);
    expect(message?.edits).toBe(4);
    expect(message?.embeds[0]?.title).toBe('Run Errored');
    const timeline = message?.embeds[1];
    expect(timeline?.title).toBe('Timeline (5 steps)');
    expect(
      ascending(
        positions(
          timeline?.description ?? '',
          LIFE_STATUSES.map((s) => `UTC  ${s.replace('_', '\\_')}`),
        ),
      ),
    ).toBe(true);
  });

  it('retries a 429 with Retry-After, then posts and edits one message', async () => {
    const webhook = await discordWebhook();
    const b = await bridge([discordDestination], webhook.url);
    const [created = '', planning = ''] = runLife();
    webhook.failNext('rate-limit');
    await send(b.url, created);
    await eventually(() => webhook.messages()[0]);
    await send(b.url, planning);
    await eventually(() => (webhook.messages()[0]?.edits === 1 ? true : undefined));
    expect(webhook.calls.map((c) => c.method)).toEqual(['POST', 'POST', 'PATCH']);
    expect(webhook.messages()).toHaveLength(1);
  });

  it('after 10008 (message deleted) posts a new message, and later updates edit the new one', async () => {
    const webhook = await discordWebhook();
    const b = await bridge([discordDestination], webhook.url);
    const [created = '', planning = '', attention = ''] = runLife();
    await send(b.url, created);
    const first = await eventually(() => webhook.messages()[0]);
    webhook.deleteMessage(first.id);
    await send(b.url, planning);
    const second = await eventually(() => webhook.messages()[0]);
    await send(b.url, attention);
    await eventually(() => (webhook.messages()[0]?.edits === 1 ? true : undefined));
    expect(second.id).not.toBe(first.id);
    expect(webhook.calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'POST', 'PATCH']);
    expect(webhook.messages()).toHaveLength(1);
    expect(b.deadLetters()).toEqual([]);
  });

  it('after 30046 (edit limit of an old message) continues in a new message', async () => {
    const webhook = await discordWebhook();
    const b = await bridge([discordDestination], webhook.url);
    const [created = '', planning = '', attention = ''] = runLife();
    await send(b.url, created);
    await eventually(() => webhook.messages()[0]);
    webhook.failNext('edit-limit');
    await send(b.url, planning);
    await eventually(() => (webhook.messages().length === 2 ? true : undefined));
    await send(b.url, attention);
    await eventually(() => (webhook.messages()[1]?.edits === 1 ? true : undefined));
    expect(webhook.messages()[0]?.edits).toBe(0);
    expect(webhook.messages()[1]?.embeds[1]?.title).toBe('Timeline (3 steps)');
  });
});
