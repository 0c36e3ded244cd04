// The replay guard in local mode, end to end: the same signed body sent again after the queue's
// deduplication window is refused and not delivered; verification requests are never refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfigFile } from '../../lambda/adapters/local/config-file';
import { FileSecretStore } from '../../lambda/adapters/local/file-secret-store';
import { type LocalBridge, startLocalBridge } from '../../lambda/local';
import { CaptureLogger } from '../support/capture-logger';
import { type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { signedRequest } from '../support/signed-request';

const HMAC = 'replay-guard-signing-token';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

/** A bridge whose queue forgets duplicates at once: every resend is "after the dedup window". */
async function start(replayGuard: boolean): Promise<{ bridge: LocalBridge; api: DestinationServer }> {
  const api = await startDestination();
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-replay-'));
  writeFileSync(
    join(dir, 'bridge.yaml'),
    stringify({
      ...(replayGuard ? { replayGuard: { ttlSeconds: 3600 } } : {}),
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [{ id: 'api', url: api.url }],
        },
      ],
    }),
  );
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ hmac: HMAC }));
  const bridge = await startLocalBridge({
    loaded: loadConfigFile(join(dir, 'bridge.yaml')),
    logger: new CaptureLogger(),
    secrets: new FileSecretStore(join(dir, 'secrets.json')),
    storePath: join(dir, 'bridge.db'),
    port: 0,
    dedupWindowMs: 0,
  });
  open.push(api, { close: async () => void (await bridge.close(1_000)) });
  return { bridge, api };
}

const post = (bridge: LocalBridge, body: string) =>
  fetch(`${bridge.url}/hooks/runs`, signedRequest({ body, secret: HMAC }));

describe('replay guard, local mode', () => {
  it('without the guard, a resend after the dedup window is delivered again (what the guard prevents)', async () => {
    const { bridge, api } = await start(false);
    const body = fixture('tfe-run-completed-captured');
    expect((await post(bridge, body)).status).toBe(202);
    await api.waitFor(1);
    expect((await post(bridge, body)).status).toBe(202);
    await api.waitFor(2);
    expect(api.received.map((r) => r.body)).toEqual([body, body]);
  });

  it('answers 409 to the same signed body after the dedup window and delivers it once', async () => {
    const { bridge, api } = await start(true);
    const body = fixture('tfe-run-completed-captured');
    const first = await post(bridge, body);
    expect(first.status).toBe(202);
    await api.waitFor(1);

    const replay = await post(bridge, body);
    expect(replay.status).toBe(409);
    expect(await replay.json()).toEqual({
      error: 'replayed',
      message: 'this notification was already accepted',
    });

    // A different notification still goes through, and the queue has nothing else to deliver.
    const other = fixture('tfe-run-errored');
    expect((await post(bridge, other)).status).toBe(202);
    await api.waitFor(2);
    await bridge.close(1_000);
    expect(api.received.map((r) => r.body)).toEqual([body, other]);
  });

  it('answers the same verification request 200 every time, and forwards none', async () => {
    const { bridge, api } = await start(true);
    const verification = fixture('tfe-verification');
    for (let i = 0; i < 2; i++) {
      const response = await post(bridge, verification);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'verified' });
    }
    await bridge.close(1_000);
    expect(api.received).toEqual([]);
  });
});
