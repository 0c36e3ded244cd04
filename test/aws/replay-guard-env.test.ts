// The receiver's environment when the config enables the replay guard.
import { describe, expect, it } from 'vitest';
import { LambdaEnvError, readReceiverEnv, readWorkerEnv } from '../../lambda/adapters/aws/env';
import { bakedConfigJson } from '../support/baked-config';

const config = (replayGuard: boolean) =>
  bakedConfigJson({
    ...(replayGuard ? { replayGuard: {} } : {}),
    routes: [{ id: 'runs', allowUnsigned: true, destinations: [{ id: 'api', url: 'https://api.example' }] }],
  });
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/dead-letters.fifo';

describe('REPLAY_GUARD_TABLE', () => {
  it('is read when set', () => {
    const env = readReceiverEnv({
      TFE_BRIDGE_CONFIG_JSON: config(true),
      QUEUE_URL,
      REPLAY_GUARD_TABLE: 'TfeBridge-ReplayGuard',
    });
    expect(env.replayGuardTable).toBe('TfeBridge-ReplayGuard');
    expect(env.config.replayGuard).toEqual({ ttlSeconds: 604_800 });
  });

  it('is required by the receiver when the config enables the guard', () => {
    expect(() => readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: config(true), QUEUE_URL })).toThrow(
      new LambdaEnvError(['REPLAY_GUARD_TABLE is not set, but the config enables replayGuard']),
    );
  });

  it('is not needed by the worker, nor without the guard', () => {
    expect(
      readWorkerEnv({
        TFE_BRIDGE_CONFIG_JSON: config(true),
        QUEUE_URL,
        DEAD_LETTER_QUEUE_URL: DLQ_URL,
        DELIVERY_STATE_TABLE: 'state',
      }),
    ).toMatchObject({ replayGuardTable: undefined });
    expect(
      readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: config(false), QUEUE_URL }).replayGuardTable,
    ).toBeUndefined();
  });
});
