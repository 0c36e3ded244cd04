import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import type { RouteConfig, SecretRef } from '../../../lambda/core/config/schema';
import { SignatureError } from '../../../lambda/core/errors';
import type { SecretVersion, VersionedSecretStore } from '../../../lambda/core/ports';
import { signBody } from '../../../lambda/core/receive/signature';
import { createSignatureVerifier, readSigningKeys } from '../../../lambda/core/receive/signing-keys';
import { CaptureLogger } from '../../support/capture-logger';
import { MemorySecretStore } from '../../support/memory-secret-store';

const route = (signingSecret: unknown): RouteConfig => {
  const [parsed] = parseConfig({
    routes: [{ id: 'r', signingSecret, destinations: [{ id: 'd', url: 'https://d.example' }] }],
  }).routes;
  if (!parsed) throw new Error('no route');
  return parsed;
};

/** Versions per secret id, as Secrets Manager would hold them. */
class VersionedStore extends MemorySecretStore implements VersionedSecretStore {
  constructor(private readonly versions: Record<string, SecretVersion[]>) {
    super(Object.fromEntries(Object.entries(versions).map(([id, v]) => [id, v[0]?.value])));
  }
  async getSecretVersions(ref: SecretRef): Promise<SecretVersion[]> {
    return this.versions[ref.secretId] ?? [];
  }
}

/** Caches like the real stores: only a forced read sees a changed value. */
class CachingStore extends MemorySecretStore {
  private readonly cache = new Map<string, string>();
  override async getSecret(ref: SecretRef, options: { forceRefresh?: boolean } = {}): Promise<string> {
    const cached = this.cache.get(ref.secretId);
    if (cached !== undefined && !options.forceRefresh) return cached;
    const value = await super.getSecret(ref, options);
    this.cache.set(ref.secretId, value);
    return value;
  }
}

const body = new TextEncoder().encode('{"payload_version":1}');

describe('readSigningKeys', () => {
  it('labels a single secret "signingSecret" and list entries by index', async () => {
    const store = new MemorySecretStore({ a: 'value-a', b: 'value-b' });
    expect(await readSigningKeys(route({ secretId: 'a' }), store)).toEqual([
      { label: 'signingSecret', value: 'value-a' },
    ]);
    expect(await readSigningKeys(route([{ secretId: 'a' }, { secretId: 'b' }]), store)).toEqual([
      { label: 'signingSecret[0]', value: 'value-a' },
      { label: 'signingSecret[1]', value: 'value-b' },
    ]);
  });

  it('labels the versions of a versioned store by stage (and index, for a list)', async () => {
    const store = new VersionedStore({
      a: [
        { stage: 'AWSCURRENT', value: 'a-new' },
        { stage: 'AWSPREVIOUS', value: 'a-old' },
      ],
      b: [{ stage: 'AWSCURRENT', value: 'b' }],
    });
    expect((await readSigningKeys(route({ secretId: 'a' }), store)).map((k) => k.label)).toEqual([
      'AWSCURRENT',
      'AWSPREVIOUS',
    ]);
    expect(
      (await readSigningKeys(route([{ secretId: 'b' }, { secretId: 'a' }]), store)).map((k) => k.label),
    ).toEqual(['signingSecret[0]:AWSCURRENT', 'signingSecret[1]:AWSCURRENT', 'signingSecret[1]:AWSPREVIOUS']);
  });
});

describe('createSignatureVerifier', () => {
  it('returns the label of the key that signed the body', async () => {
    const store = new MemorySecretStore({ old: 'old-token', new: 'new-token' });
    const verify = createSignatureVerifier({ secrets: store, logger: new CaptureLogger(), now: () => 0 });
    const r = route([{ secretId: 'new' }, { secretId: 'old' }]);
    expect(await verify(r, body, signBody(body, 'old-token'))).toBe('signingSecret[1]');
    expect(await verify(r, body, signBody(body, 'new-token'))).toBe('signingSecret[0]');
  });

  it('re-reads the secrets on a mismatch, but not for a missing or malformed signature', async () => {
    const store = new CachingStore({ s: 'old-token' });
    const logger = new CaptureLogger();
    let clock = 0;
    const verify = createSignatureVerifier({ secrets: store, logger, now: () => clock });
    const r = route({ secretId: 's' });
    await expect(verify(r, body, undefined)).rejects.toThrow(/missing signature/);
    await expect(verify(r, body, 'abc')).rejects.toThrow(/malformed/);
    expect(store.forcedReads).toBe(0);
    expect(await verify(r, body, signBody(body, 'old-token'))).toBe('signingSecret');

    store.values.set('s', 'new-token');
    expect(await verify(r, body, signBody(body, 'new-token'))).toBe('signingSecret');
    expect(store.forcedReads).toBe(1);
    // Within the interval a mismatch checks the last re-read's keys without reading again.
    await expect(verify(r, body, signBody(body, 'guess'))).rejects.toBeInstanceOf(SignatureError);
    expect(store.forcedReads).toBe(1);
    clock += 10_000;
    await expect(verify(r, body, signBody(body, 'guess'))).rejects.toBeInstanceOf(SignatureError);
    expect(store.forcedReads).toBe(2);
  });
});
