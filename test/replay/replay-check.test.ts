// The receiver's replay check: the key, fail-open when the store fails, release on queue failure.
import { describe, expect, it } from 'vitest';
import { MemoryReplayGuard } from '../../lambda/adapters/local/memory-replay-guard';
import { parseConfig } from '../../lambda/core/config';
import { ConfigError } from '../../lambda/core/errors';
import { checkReplay, replayKeyFor } from '../../lambda/core/replay';
import type { ReplayGuard } from '../../lambda/ports';
import { CaptureLogger } from '../support/capture-logger';

const bytes = (text: string) => new TextEncoder().encode(text);
const route = { id: 'runs', allowUnsigned: true, destinations: [{ id: 'a', url: 'https://a.example' }] };

describe('replayKeyFor', () => {
  it('depends on the route and on every byte of the body', () => {
    const key = replayKeyFor('runs', bytes('{"a":1}'));
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(replayKeyFor('runs', bytes('{"a":1}'))).toBe(key);
    expect(replayKeyFor('other', bytes('{"a":1}'))).not.toBe(key);
    expect(replayKeyFor('runs', bytes('{"a": 1}'))).not.toBe(key);
  });
});

describe('checkReplay', () => {
  const config = { ttlSeconds: 600 };

  it('does nothing without a guard or without the config', async () => {
    const guard = new MemoryReplayGuard();
    const logger = new CaptureLogger();
    expect((await checkReplay(undefined, config, 'r', bytes('x'), logger)).replayed).toBe(false);
    expect((await checkReplay(guard, undefined, 'r', bytes('x'), logger)).replayed).toBe(false);
    expect(guard.size).toBe(0);
  });

  it('reports the second check of the same body as replayed, and release() undoes the first', async () => {
    const guard = new MemoryReplayGuard();
    const logger = new CaptureLogger();
    const first = await checkReplay(guard, config, 'r', bytes('x'), logger);
    expect(first.replayed).toBe(false);
    expect((await checkReplay(guard, config, 'r', bytes('x'), logger)).replayed).toBe(true);
    if (!first.replayed) await first.release();
    expect((await checkReplay(guard, config, 'r', bytes('x'), logger)).replayed).toBe(false);
  });

  it('lets the notification through, with an error log, when the store fails', async () => {
    const broken: ReplayGuard = {
      claim: async () => {
        throw Object.assign(new Error('boom'), { name: 'ProvisionedThroughputExceededException' });
      },
      release: async () => {},
    };
    const logger = new CaptureLogger();
    const check = await checkReplay(broken, config, 'runs', bytes('x'), logger);
    expect(check.replayed).toBe(false);
    expect(logger.withMessage('replay guard unavailable, notification accepted without the check')).toEqual([
      expect.objectContaining({
        level: 'error',
        route: 'runs',
        cause: 'ProvisionedThroughputExceededException',
      }),
    ]);
  });
});

describe('replayGuard config', () => {
  it('is off by default, and defaults to a week when present', () => {
    expect(parseConfig({ routes: [route] }).replayGuard).toBeUndefined();
    expect(parseConfig({ replayGuard: {}, routes: [route] }).replayGuard).toEqual({ ttlSeconds: 604_800 });
  });

  it.each([
    [{ ttlSeconds: 60 }, 'replayGuard.ttlSeconds: must be at least 600'],
    [{ ttlSeconds: 1.5 }, 'replayGuard.ttlSeconds: must be int'],
    [{ ttlSeconds: 400 * 24 * 3600 }, 'replayGuard.ttlSeconds: must be at most 31536000'],
    [{ ttl: 600 }, 'replayGuard: unknown key "ttl"'],
    [true, 'replayGuard: must be object'],
  ])('refuses %j with the field path', (replayGuard, problem) => {
    try {
      parseConfig({ replayGuard, routes: [route] });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([problem]);
    }
  });
});

describe('the receiver with a replay guard', () => {
  it('forgets a notification the queue refused (503), so the sender may resend it', async () => {
    const { createApp } = await import('../../lambda/app');
    let queueUp = false;
    const enqueued: unknown[] = [];
    const app = createApp({
      config: parseConfig({ replayGuard: { ttlSeconds: 600 }, routes: [route] }),
      secrets: { getSecret: async () => 'unused' },
      queue: {
        enqueue: async (jobs) => {
          if (!queueUp) throw new Error('SQS down');
          enqueued.push(...jobs);
        },
      },
      logger: new CaptureLogger(),
      replayGuard: new MemoryReplayGuard(),
    });
    const send = () =>
      app.request('/hooks/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"payload_version":1,"run_id":"run-1"}',
      });
    expect((await send()).status).toBe(503);
    queueUp = true;
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(409);
    expect(enqueued).toHaveLength(1);
  });
});
