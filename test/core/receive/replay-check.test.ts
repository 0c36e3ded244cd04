// The receiver's replay check: the key, fail-open when the store fails, and a body remembered
// only once its jobs are stored.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import { ConfigError } from '../../../lambda/core/errors';
import type { ReplayGuard } from '../../../lambda/core/ports';
import { checkReplay, replayKeyFor } from '../../../lambda/core/receive/replay';
import { CaptureLogger } from '../../support/capture-logger';

const bytes = (text: string) => new TextEncoder().encode(text);

/** A guard over a Map; `failRemember` makes remember() throw, like a table that just went away. */
function mapGuard(options: { failRemember?: () => boolean } = {}) {
  const keys = new Map<string, number>();
  const guard: ReplayGuard = {
    seen: async (key) => keys.has(key),
    remember: async (key, ttlSeconds) => {
      if (options.failRemember?.()) throw Object.assign(new Error('down'), { name: 'ServiceUnavailable' });
      keys.set(key, ttlSeconds);
    },
  };
  return { guard, keys };
}
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
    const { guard, keys } = mapGuard();
    const logger = new CaptureLogger();
    expect((await checkReplay(undefined, config, 'r', bytes('x'), logger)).replayed).toBe(false);
    const unconfigured = await checkReplay(guard, undefined, 'r', bytes('x'), logger);
    if (!unconfigured.replayed) await unconfigured.remember();
    expect(keys.size).toBe(0);
  });

  it('reports a body as replayed only after remember() recorded it', async () => {
    const { guard } = mapGuard();
    const logger = new CaptureLogger();
    const first = await checkReplay(guard, config, 'r', bytes('x'), logger);
    expect(first.replayed).toBe(false);
    // Not yet stored: a resend (after a 503, say) is not a replay.
    expect((await checkReplay(guard, config, 'r', bytes('x'), logger)).replayed).toBe(false);
    if (!first.replayed) await first.remember();
    expect((await checkReplay(guard, config, 'r', bytes('x'), logger)).replayed).toBe(true);
  });

  it('lets the notification through, with an error log, when the store fails', async () => {
    const broken: ReplayGuard = {
      seen: async () => {
        throw Object.assign(new Error('boom'), { name: 'ProvisionedThroughputExceededException' });
      },
      remember: async () => {},
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
    [{ ttl: 600 }, 'replayGuard: unknown key "ttl" (did you mean "ttlSeconds"?)'],
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
  const build = async (guard: ReplayGuard, queueUp: () => boolean) => {
    const { createApp } = await import('../../../lambda/app');
    const enqueued: unknown[] = [];
    const logger = new CaptureLogger();
    const app = createApp({
      config: parseConfig({ replayGuard: { ttlSeconds: 600 }, routes: [route] }),
      secrets: { getSecret: async () => 'unused' },
      queue: {
        enqueue: async (jobs) => {
          if (!queueUp()) throw new Error('SQS down');
          enqueued.push(...jobs);
        },
      },
      logger,
      replayGuard: guard,
    });
    const send = () =>
      app.request('/hooks/runs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"payload_version":1,"run_id":"run-1"}',
      });
    return { send, enqueued, logger };
  };

  it('remembers nothing the queue refused (503), so the resend is accepted, and a later copy is refused', async () => {
    let up = false;
    const { send, enqueued } = await build(mapGuard().guard, () => up);
    expect((await send()).status).toBe(503);
    up = true;
    expect((await send()).status).toBe(202);
    expect((await send()).status).toBe(409);
    expect(enqueued).toHaveLength(1);
  });

  it('accepts the resend even when the guard fails right after the queue did (nothing to undo)', async () => {
    // The old claim-then-release design refused this resend with 409: the claim was made, the
    // queue failed, and the release failed with the guard.
    let up = false;
    let guardDown = false;
    const { guard } = mapGuard({ failRemember: () => guardDown });
    const { send, enqueued, logger } = await build(guard, () => up);
    guardDown = true;
    expect((await send()).status).toBe(503);
    up = true;
    guardDown = false;
    expect((await send()).status).toBe(202);
    expect(enqueued).toHaveLength(1);
    expect(logger.withMessage('replay guard could not record an accepted notification')).toEqual([]);
  });
});
