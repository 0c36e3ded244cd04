// One live attempt against the local Slack Web API: a retried attempt sends the same edit, a lost
// id degrades to a new message (never a lost notification), unreadable state waits, and the bot
// token never reaches an error.

import { describe, expect, it } from 'vitest';
import { createAwsEndpointResolver } from '../../../lambda/adapters/aws/aws-endpoints';
import { createAwsRequestSigner } from '../../../lambda/adapters/aws/aws-request-signer';
import { sdkCredentialChain } from '../../../lambda/adapters/aws/sdk-credential-chain';
import { createTlsFetch } from '../../../lambda/adapters/tls-fetch';
import { parseConfig } from '../../../lambda/core/config/parse';
import { attemptDelivery, type DeliveryTarget } from '../../../lambda/core/deliver/attempt';
import type { LiveMessage, LiveMessageStore } from '../../../lambda/core/deliver/live/live-state';
import { buildTargets } from '../../../lambda/core/deliver/request';
import { createJobs } from '../../../lambda/core/receive/jobs';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compileTemplates } from '../../../lambda/core/render/templates';
import { CaptureLogger } from '../../support/capture-logger';
import { fixture } from '../../support/fixtures';
import { MemorySecretStore } from '../../support/memory-secret-store';
import { runLife } from '../../support/run-life';
import { SLACK_CHANNEL_ID, type SlackWebApi, startSlackWebApi } from '../../support/slack-web-api-server';

const TOKEN = 'xoxb-9999-live-delivery-test-token';

class MemoryLiveMessages implements LiveMessageStore {
  readonly rows = new Map<string, LiveMessage>();
  failReads = false;
  failSaves = false;
  async read(destination: string, runId: string) {
    if (this.failReads) throw new Error('table throttled');
    return this.rows.get(`${destination}#${runId}`);
  }
  async save(destination: string, runId: string, message: LiveMessage) {
    if (this.failSaves) throw new Error('table throttled');
    this.rows.set(`${destination}#${runId}`, structuredClone(message));
  }
}

function setup(api: SlackWebApi, extra?: string) {
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'hmac' },
        allowInsecureHttp: true,
        destinations: [
          {
            id: 'chat',
            url: api.url,
            auth: { type: 'bearer', secret: { secretId: 'bot' } },
            template: { preset: 'slack' },
            live: { channel: SLACK_CHANNEL_ID },
          },
        ],
      },
    ],
  });
  const target = buildTargets(config, compileTemplates(config)).get('runs/chat') as DeliveryTarget;
  const store = new MemoryLiveMessages();
  const logger = new CaptureLogger();
  const deps = {
    secrets: new MemorySecretStore({ bot: TOKEN }),
    fetch: globalThis.fetch,
    signAws: createAwsRequestSigner({ credentials: sdkCredentialChain() }),
    awsEndpoint: createAwsEndpointResolver(),
    fetchTls: createTlsFetch(),
    logger,
    liveMessages: store,
  };
  const jobs = [...runLife(), ...(extra ? [extra] : [])].map((body) => {
    const notification = classifyPayload(JSON.parse(body) as Record<string, unknown>);
    const [job] = createJobs('runs', [target.destination], body, notification, new Date());
    if (!job) throw new Error('no job');
    return job;
  });
  const attempt = (index: number) => attemptDelivery(jobs[index] ?? (jobs[0] as never), target, 1, deps);
  return { store, logger, attempt };
}

async function withApi(test: (api: SlackWebApi) => Promise<void>) {
  const api = await startSlackWebApi({ token: TOKEN });
  try {
    await test(api);
  } finally {
    await api.close();
  }
}

describe('a live attempt', () => {
  it('sends the same edit when an attempt is retried', () =>
    withApi(async (api) => {
      const { attempt } = setup(api);
      await attempt(0);
      expect((await attempt(1)).result.outcome).toBe('delivered');
      expect((await attempt(1)).result.outcome).toBe('delivered');
      const [, first, second] = api.calls;
      expect(first?.method).toBe('chat.update');
      expect(second?.body).toEqual(first?.body);
      expect(api.messages()).toHaveLength(1);
    }));

  it('degrades to a new message when the id could not be saved, and logs why', () =>
    withApi(async (api) => {
      const { store, logger, attempt } = setup(api);
      store.failSaves = true;
      expect((await attempt(0)).result.outcome).toBe('delivered');
      store.failSaves = false;
      expect((await attempt(1)).result.outcome).toBe('delivered');
      expect(api.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
      expect(logger.entries).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: expect.stringContaining('the next update of this run posts a new message'),
        }),
      );
    }));

  it('waits (retry) when the state cannot be read, rather than posting a second message', () =>
    withApi(async (api) => {
      const { store, attempt } = setup(api);
      await attempt(0);
      store.failReads = true;
      const { result } = await attempt(1);
      expect(result).toMatchObject({
        outcome: 'retry',
        error: 'live message state unavailable: table throttled',
      });
      expect(api.calls).toHaveLength(1);
    }));

  it('posts a notification that is not about a run as a message of its own, without a timeline', () =>
    withApi(async (api) => {
      const { store, attempt } = setup(api, fixture('assessment-drifted'));
      await attempt(5);
      await attempt(5);
      expect(api.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
      expect(JSON.stringify(api.messages())).not.toContain('Timeline');
      expect(store.rows.size).toBe(0);
    }));

  it('sorts Slack errors into retry and permanent, never quoting the token', () =>
    withApi(async (api) => {
      const { attempt } = setup(api);
      for (const [error, outcome] of [
        ['internal_error', 'retry'],
        ['ratelimited', 'retry'],
        ['invalid_auth', 'permanent'],
        ['not_in_channel', 'permanent'],
        [TOKEN, 'permanent'],
      ] as const) {
        api.failNext('chat.postMessage', { error });
        // A refused token is read again and sent once more: refused twice, it is permanent.
        if (error === 'invalid_auth') api.failNext('chat.postMessage', { error });
        const { result } = await attempt(0);
        expect(result.outcome).toBe(outcome);
        expect('error' in result && result.error).not.toContain(TOKEN);
      }
      api.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
      expect((await attempt(0)).result).toMatchObject({ outcome: 'retry', status: 429, retryAfterMs: 7_000 });
    }));
});
