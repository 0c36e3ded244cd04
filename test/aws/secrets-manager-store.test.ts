// SecretsManagerStore against a fake Secrets Manager over real HTTP, through the bridge's own AWS
// client (as both Lambdas run it), and once through the real SDK client behind the same port.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PREVIOUS_RETRY_MS, SecretsManagerStore } from '../../lambda/adapters/aws/secrets-manager-store';
import { InvalidSecretError, SecretError, SecretUnavailableError } from '../../lambda/core/errors';
import { CaptureLogger } from '../support/capture-logger';
import { getSecretValueVia, secretsManagerClient } from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const TOKEN = 'bfa620013597e9c30c179037ad74527a4956a561';
const ROTATED = 'c0ffee0000000000000000000000000000000042';

let sm: SecretsManagerServer;
let logger: CaptureLogger;
let clock: number;
const clients: Array<{ destroy(): void }> = [];

beforeEach(async () => {
  sm = await startSecretsManager();
  logger = new CaptureLogger();
  clock = 1_000_000;
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await sm.close();
});

function store(options: { ttlMs?: number; maxAttempts?: number } = {}) {
  return new SecretsManagerStore({
    getSecretValue: getSecretValueVia(sm.endpoint, options.maxAttempts),
    logger,
    now: () => clock,
    ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
  });
}

async function rejection(promise: Promise<unknown>): Promise<SecretError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretError);
  return error as SecretError;
}

describe('SecretsManagerStore', () => {
  it('reads a plain string secret with GetSecretValue (AWSCURRENT)', async () => {
    sm.setSecret('tfe-bridge/callback', TOKEN);
    expect(await store().getSecret({ secretId: 'tfe-bridge/callback' })).toBe(TOKEN);
    expect(sm.log).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId: 'tfe-bridge/callback', versionStage: undefined },
    ]);
  });

  it('reads one key of a JSON secret, and every key from one cached read', async () => {
    sm.setSecret('tfe-bridge/api', JSON.stringify({ token: TOKEN, user: 'bridge', port: 8443 }));
    const secrets = store();
    expect(await secrets.getSecret({ secretId: 'tfe-bridge/api', jsonKey: 'token' })).toBe(TOKEN);
    expect(await secrets.getSecret({ secretId: 'tfe-bridge/api', jsonKey: 'user' })).toBe('bridge');
    expect(await secrets.getSecret({ secretId: 'tfe-bridge/api', jsonKey: 'port' })).toBe('8443');
    expect(sm.requests).toBe(1);
  });

  it('rejects a missing jsonKey as a permanent InvalidSecretError naming the key, not the value', async () => {
    sm.setSecret('tfe-bridge/api', JSON.stringify({ token: TOKEN }));
    const error = await rejection(store().getSecret({ secretId: 'tfe-bridge/api', jsonKey: 'password' }));
    expect(error.message).toBe(
      'secret "tfe-bridge/api" has no string key "password": add it to the secret, or fix jsonKey in the config',
    );
    expect(error).toBeInstanceOf(InvalidSecretError);
    expect(error.message).not.toContain(TOKEN);
  });

  it('serves repeated reads from the cache until the TTL runs out, then reads again', async () => {
    sm.setSecret('hmac', TOKEN);
    const secrets = store({ ttlMs: 60_000 });
    expect(await secrets.getSecret({ secretId: 'hmac' })).toBe(TOKEN);
    sm.setSecret('hmac', ROTATED);
    clock += 59_999;
    expect(await secrets.getSecret({ secretId: 'hmac' })).toBe(TOKEN);
    expect(sm.requests).toBe(1);
    clock += 1;
    expect(await secrets.getSecret({ secretId: 'hmac' })).toBe(ROTATED);
    expect(sm.requests).toBe(2);
  });

  it('defaults to a 5 minute TTL', async () => {
    sm.setSecret('hmac', TOKEN);
    const secrets = store();
    await secrets.getSecret({ secretId: 'hmac' });
    clock += 5 * 60_000 - 1;
    await secrets.getSecret({ secretId: 'hmac' });
    expect(sm.requests).toBe(1);
    clock += 1;
    await secrets.getSecret({ secretId: 'hmac' });
    expect(sm.requests).toBe(2);
  });

  it('keeps a separate cache entry per secret id', async () => {
    sm.setSecret('a', 'value-of-a');
    sm.setSecret('b', 'value-of-b');
    const secrets = store();
    expect(await secrets.getSecret({ secretId: 'a' })).toBe('value-of-a');
    expect(await secrets.getSecret({ secretId: 'b' })).toBe('value-of-b');
    expect(await secrets.getSecret({ secretId: 'a' })).toBe('value-of-a');
    expect(sm.log.map((r) => r.secretId)).toEqual(['a', 'b']);
  });

  it('forceRefresh bypasses a fresh cache entry (a destination answered 401 after a rotation)', async () => {
    sm.setSecret('token', TOKEN);
    const secrets = store();
    expect(await secrets.getSecret({ secretId: 'token' })).toBe(TOKEN);
    sm.setSecret('token', ROTATED);
    expect(await secrets.getSecret({ secretId: 'token' }, { forceRefresh: true })).toBe(ROTATED);
    // The refreshed value is cached for the next readers.
    expect(await secrets.getSecret({ secretId: 'token' })).toBe(ROTATED);
    expect(sm.requests).toBe(2);
  });

  it('shares one GetSecretValue between concurrent readers (single flight)', async () => {
    sm.setSecret('hmac', TOKEN);
    const secrets = store();
    const values = await Promise.all(
      Array.from({ length: 25 }, () => secrets.getSecret({ secretId: 'hmac' })),
    );
    expect(new Set(values)).toEqual(new Set([TOKEN]));
    expect(sm.requests).toBe(1);
  });

  it('shares a failure between concurrent readers too, and tries again on the next read', async () => {
    const secrets = store();
    const results = await Promise.allSettled([
      secrets.getSecret({ secretId: 'later' }),
      secrets.getSecret({ secretId: 'later' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(sm.requests).toBe(1);
    sm.setSecret('later', TOKEN);
    expect(await secrets.getSecret({ secretId: 'later' })).toBe(TOKEN);
    expect(sm.requests).toBe(2);
  });

  it('reports a missing secret as a SecretUnavailableError (tried again: Secrets Manager is eventually consistent) with a clear message and log line', async () => {
    const error = await rejection(store().getSecret({ secretId: 'tfe-bridge/typo' }));
    expect(error.message).toBe('secret "tfe-bridge/typo" not found in Secrets Manager');
    expect(error.secretId).toBe('tfe-bridge/typo');
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(logger.withMessage('secret unavailable')).toEqual([
      expect.objectContaining({
        level: 'error',
        secretId: 'tfe-bridge/typo',
        error: 'secret "tfe-bridge/typo" not found in Secrets Manager',
      }),
    ]);
  });

  it('does not serve a cached value once the secret is gone (deleted is not an outage)', async () => {
    sm.setSecret('token', TOKEN);
    const secrets = store({ ttlMs: 1_000 });
    await secrets.getSecret({ secretId: 'token' });
    sm.deleteSecret('token');
    clock += 1_000;
    const error = await rejection(secrets.getSecret({ secretId: 'token' }));
    expect(error.message).toContain('not found');
  });

  it('serves the stale value with a warning while Secrets Manager throttles', async () => {
    sm.setSecret('token', TOKEN);
    const secrets = store({ ttlMs: 1_000 });
    await secrets.getSecret({ secretId: 'token' });
    clock += 5_000;
    sm.failNext(1, 'ThrottlingException');
    expect(await secrets.getSecret({ secretId: 'token' })).toBe(TOKEN);
    expect(logger.withMessage('secret refresh failed, using the cached value')).toEqual([
      expect.objectContaining({
        level: 'warn',
        secretId: 'token',
        cachedAgeMs: 5_000,
        error: 'Secrets Manager throttled the read of secret "token"; try again later',
      }),
    ]);
    // The stale entry keeps its age, so the next read tries Secrets Manager again.
    sm.setSecret('token', ROTATED);
    expect(await secrets.getSecret({ secretId: 'token' })).toBe(ROTATED);
    expect(sm.requests).toBe(3);
    expect(logger.text()).not.toContain(TOKEN);
    expect(logger.text()).not.toContain(ROTATED);
  });

  it('serves the stale value when Secrets Manager is unreachable (connection dropped)', async () => {
    sm.setSecret('token', TOKEN);
    const secrets = store({ ttlMs: 1_000 });
    await secrets.getSecret({ secretId: 'token' });
    clock += 2_000;
    sm.failNext(1, 'network');
    expect(await secrets.getSecret({ secretId: 'token' })).toBe(TOKEN);
    expect(logger.withMessage('secret refresh failed, using the cached value')).toHaveLength(1);
  });

  it('throws a SecretUnavailableError when throttled with nothing cached', async () => {
    sm.setSecret('token', TOKEN);
    sm.failNext(1, 'ThrottlingException');
    const error = await rejection(store().getSecret({ secretId: 'token' }));
    expect(error.message).toBe('Secrets Manager throttled the read of secret "token"; try again later');
    expect(error).toBeInstanceOf(SecretUnavailableError);
  });

  it('lets the client retry a throttled read before giving up (the Lambdas allow two attempts)', async () => {
    sm.setSecret('token', TOKEN);
    sm.failNext(1, 'ThrottlingException');
    expect(await store({ maxAttempts: 2 }).getSecret({ secretId: 'token' })).toBe(TOKEN);
    expect(sm.requests).toBe(2);
  });

  it('does not answer a forced refresh from the stale cache: the caller already distrusts it', async () => {
    sm.setSecret('token', TOKEN);
    const secrets = store();
    await secrets.getSecret({ secretId: 'token' });
    sm.failNext(1, 'ThrottlingException');
    const error = await rejection(secrets.getSecret({ secretId: 'token' }, { forceRefresh: true }));
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect(error.message).toContain('throttled');
  });

  it('names the missing permission on AccessDeniedException, without serving stale values', async () => {
    sm.setSecret('token', TOKEN);
    const secrets = store({ ttlMs: 1_000 });
    await secrets.getSecret({ secretId: 'token' });
    clock += 1_000;
    sm.failNext(1, 'AccessDeniedException');
    const error = await rejection(secrets.getSecret({ secretId: 'token' }));
    expect(error.message).toBe(
      'access denied reading secret "token": the function needs secretsmanager:GetSecretValue on it',
    );
  });

  it('never puts a secret value into errors or logs', async () => {
    sm.setSecret('not-json', TOKEN);
    const error = await rejection(store().getSecret({ secretId: 'not-json', jsonKey: 'token' }));
    expect(error.message).toBe(
      'secret "not-json" is not JSON, so jsonKey cannot be read: store a JSON object, or drop jsonKey "token" from the config',
    );
    expect(logger.text()).not.toContain(TOKEN);
  });
});

describe('SecretsManagerStore.getSecretVersions (signing secrets during a rotation)', () => {
  it('knows every value it has read, current and previous, whole and inside JSON, for the log masker', async () => {
    sm.setSecret('hmac', ROTATED, { previous: TOKEN });
    sm.setSecret('api', JSON.stringify({ token: 'api-token-0001', user: 'bridge' }));
    const secrets = store();
    expect(secrets.knownValues()).toEqual([]);
    await secrets.getSecretVersions({ secretId: 'hmac' });
    await secrets.getSecret({ secretId: 'api', jsonKey: 'token' });
    expect([...secrets.knownValues()].sort()).toEqual(
      [
        ROTATED,
        TOKEN,
        JSON.stringify({ token: 'api-token-0001', user: 'bridge' }),
        'api-token-0001',
        'bridge',
      ].sort(),
    );
    // The same array until a read brings a value: the masker is rebuilt only then.
    expect(secrets.knownValues()).toBe(secrets.knownValues());
  });

  const stagesRead = () => sm.log.map((r) => r.versionStage ?? 'AWSCURRENT').sort();

  it('returns AWSCURRENT, then AWSPREVIOUS when the secret has one', async () => {
    sm.setSecret('hmac', TOKEN);
    sm.setSecret('hmac', ROTATED);
    expect(await store().getSecretVersions({ secretId: 'hmac' })).toEqual([
      { stage: 'AWSCURRENT', value: ROTATED },
      { stage: 'AWSPREVIOUS', value: TOKEN },
    ]);
    expect(stagesRead()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('treats a missing AWSPREVIOUS stage as "no previous version", cached like a value', async () => {
    sm.setSecret('hmac', TOKEN);
    const secrets = store();
    expect(await secrets.getSecretVersions({ secretId: 'hmac' })).toEqual([
      { stage: 'AWSCURRENT', value: TOKEN },
    ]);
    expect(await secrets.getSecretVersions({ secretId: 'hmac' })).toEqual([
      { stage: 'AWSCURRENT', value: TOKEN },
    ]);
    expect(sm.requests).toBe(2);
    expect(logger.entries).toEqual([]);
  });

  it('reads one jsonKey of both versions, and skips an old version without that key', async () => {
    sm.setSecret('json', JSON.stringify({ hmac: ROTATED }), { previous: JSON.stringify({ other: TOKEN }) });
    const secrets = store();
    for (let i = 0; i < 3; i++) {
      expect(await secrets.getSecretVersions({ secretId: 'json', jsonKey: 'hmac' })).toEqual([
        { stage: 'AWSCURRENT', value: ROTATED },
      ]);
    }
    expect(logger.withMessage('previous secret version skipped')).toHaveLength(1);
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('returns the current version alone when the AWSPREVIOUS read is throttled, and retries it later', async () => {
    sm.setSecret('hmac', TOKEN);
    sm.setSecret('hmac', ROTATED);
    sm.failNext(1, 'ThrottlingException', { stage: 'AWSPREVIOUS' });
    const secrets = store();
    expect(await secrets.getSecretVersions({ secretId: 'hmac' })).toEqual([
      { stage: 'AWSCURRENT', value: ROTATED },
    ]);
    expect(logger.withMessage('previous secret version unavailable')).toEqual([
      expect.objectContaining({ level: 'warn', secretId: 'hmac', using: 'the current version only' }),
    ]);
    // Not once per request while Secrets Manager throttles: after PREVIOUS_RETRY_MS.
    clock += PREVIOUS_RETRY_MS - 1;
    await secrets.getSecretVersions({ secretId: 'hmac' });
    expect(sm.requests).toBe(2);
    clock += 1;
    expect(await secrets.getSecretVersions({ secretId: 'hmac' })).toEqual([
      { stage: 'AWSCURRENT', value: ROTATED },
      { stage: 'AWSPREVIOUS', value: TOKEN },
    ]);
    expect(sm.requests).toBe(3);
  });

  it('keeps serving a cached AWSPREVIOUS when a later read of it fails', async () => {
    sm.setSecret('hmac', TOKEN);
    sm.setSecret('hmac', ROTATED);
    const secrets = store({ ttlMs: 1_000 });
    await secrets.getSecretVersions({ secretId: 'hmac' });
    clock += 1_000;
    sm.failNext(1, 'network', { stage: 'AWSPREVIOUS' });
    expect(await secrets.getSecretVersions({ secretId: 'hmac' })).toEqual([
      { stage: 'AWSCURRENT', value: ROTATED },
      { stage: 'AWSPREVIOUS', value: TOKEN },
    ]);
    expect(logger.withMessage('previous secret version unavailable')).toEqual([
      expect.objectContaining({ using: 'the cached previous version' }),
    ]);
  });

  it('fails only when AWSCURRENT cannot be read', async () => {
    sm.setSecret('hmac', TOKEN);
    sm.failNext(1, 'AccessDeniedException', { stage: 'AWSCURRENT' });
    const error = await rejection(store().getSecretVersions({ secretId: 'hmac' }));
    expect(error.message).toContain('access denied');
  });

  it('forceRefresh re-reads both versions and sees a removed AWSPREVIOUS at once', async () => {
    sm.setSecret('hmac', TOKEN);
    sm.setSecret('hmac', ROTATED);
    const secrets = store();
    expect(await secrets.getSecretVersions({ secretId: 'hmac' })).toHaveLength(2);
    sm.removePrevious('hmac');
    expect(await secrets.getSecretVersions({ secretId: 'hmac' })).toHaveLength(2);
    expect(await secrets.getSecretVersions({ secretId: 'hmac' }, { forceRefresh: true })).toEqual([
      { stage: 'AWSCURRENT', value: ROTATED },
    ]);
    expect(sm.requests).toBe(4);
  });

  it('shares AWSPREVIOUS reads between concurrent callers (single flight)', async () => {
    sm.setSecret('hmac', TOKEN);
    sm.setSecret('hmac', ROTATED);
    const secrets = store();
    await Promise.all(Array.from({ length: 20 }, () => secrets.getSecretVersions({ secretId: 'hmac' })));
    expect(stagesRead()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });
});

describe('SecretsManagerStore over the AWS SDK', () => {
  it('works with the SDK client behind the same GetSecretValue port, errors included', async () => {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = secretsManagerClient(sm.endpoint);
    clients.push(client);
    const secrets = new SecretsManagerStore({
      getSecretValue: (input) => client.send(new GetSecretValueCommand(input)),
      logger,
    });
    sm.setSecret('token', TOKEN);
    expect(await secrets.getSecret({ secretId: 'token' })).toBe(TOKEN);
    const error = await rejection(secrets.getSecret({ secretId: 'missing' }));
    expect(error.message).toBe('secret "missing" not found in Secrets Manager');
  });
});

describe('fake Secrets Manager', () => {
  it('keeps the previous value under AWSPREVIOUS after a rotation, as PutSecretValue does', async () => {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const client = secretsManagerClient(sm.endpoint);
    clients.push(client);
    sm.setSecret('hmac', TOKEN);
    sm.setSecret('hmac', ROTATED);
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'hmac' }));
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'hmac', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(current).toMatchObject({ Name: 'hmac', SecretString: ROTATED, VersionStages: ['AWSCURRENT'] });
    expect(previous).toMatchObject({ Name: 'hmac', SecretString: TOKEN, VersionStages: ['AWSPREVIOUS'] });
    expect(current.CreatedDate).toBeInstanceOf(Date);
    // Lookup by ARN works like by name.
    expect((await client.send(new GetSecretValueCommand({ SecretId: current.ARN }))).SecretString).toBe(
      ROTATED,
    );
    sm.setSecret('fresh', 'x', { previous: 'explicit-previous' });
    const explicit = await client.send(
      new GetSecretValueCommand({ SecretId: 'fresh', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(explicit.SecretString).toBe('explicit-previous');
  });
});
