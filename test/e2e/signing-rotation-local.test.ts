// Rotating a route's signing token in local mode, end to end: signed HTTP requests to the bridge
// on a real port while HCP Terraform switches tokens. A `signingSecret` list accepts both; a single
// secret edited in the secrets file is picked up on the first request signed with the new token.
import { afterEach, describe, expect, it } from 'vitest';
import { type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startTestBridge, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const OLD = 'local-old-signing-token';
const NEW = 'local-new-signing-token';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

let sequence = 0;
const run = JSON.parse(fixture('tfe-run-completed-captured')) as Record<string, unknown>;
const nextBody = () => JSON.stringify({ ...run, run_message: `notification ${sequence++}` });

async function bridge(
  signingSecret: unknown,
  api: DestinationServer,
  secrets: Record<string, string> = { 'hmac-old': OLD, 'hmac-new': NEW, hmac: OLD },
): Promise<TestBridge> {
  const started = await startTestBridge(
    {
      routes: [
        { id: 'runs', signingSecret, allowInsecureHttp: true, destinations: [{ id: 'api', url: api.url }] },
      ],
    },
    secrets,
  );
  open.push({ close: async () => void (await started.close(1_000)) });
  return started;
}

async function send(b: TestBridge, tokens: string[]): Promise<number[]> {
  const responses = await Promise.all(
    tokens.map((secret) => fetch(`${b.url}/hooks/runs`, signedRequest({ body: nextBody(), secret }))),
  );
  return responses.map((response) => response.status);
}

const signingKeys = (b: TestBridge) => b.logger.withMessage('request').map((entry) => entry.signingKey);

describe('rotating the signing secret locally', () => {
  it('accepts both tokens of a signingSecret list, interleaved, and logs which one matched', async () => {
    const api = await startDestination();
    open.push(api);
    const b = await bridge([{ secretId: 'hmac-new' }, { secretId: 'hmac-old' }], api);
    const tokens = [OLD, NEW, OLD, NEW, NEW, OLD, NEW, NEW];
    expect(await send(b, tokens)).toEqual(Array(tokens.length).fill(202));
    expect(signingKeys(b)).toHaveLength(tokens.length);
    expect(signingKeys(b).filter((key) => key === 'signingSecret[1]')).toHaveLength(3);
    expect(signingKeys(b).filter((key) => key === 'signingSecret[0]')).toHaveLength(5);
    await api.waitFor(tokens.length);
    expect(b.logger.text()).not.toContain(OLD);
    expect(b.logger.text()).not.toContain(NEW);
  });

  it('refuses the old token once the list holds only the new one', async () => {
    const api = await startDestination();
    open.push(api);
    const b = await bridge([{ secretId: 'hmac-new' }], api);
    expect(await send(b, [OLD, NEW])).toEqual([401, 202]);
  });

  it('picks up a token changed in the secrets file on the first request signed with it, without a restart', async () => {
    const api = await startDestination();
    open.push(api);
    const b = await bridge({ secretId: 'hmac' }, api);
    expect(await send(b, [OLD])).toEqual([202]);
    b.writeSecrets({ hmac: NEW });
    expect(await send(b, [NEW])).toEqual([202]);
    expect(b.logger.withMessage('signing secrets re-read after a signature mismatch')).toHaveLength(1);
    // A single secret has no previous version: the old token is refused from now on.
    expect(await send(b, [OLD])).toEqual([401]);
    expect(signingKeys(b)).toEqual(['signingSecret', 'signingSecret', null]);
  });
});

describe('a signing secret still holding the createSecrets placeholder', () => {
  it('is never used to verify: a request signed with it gets 503 and nothing is delivered', async () => {
    const api = await startDestination();
    open.push(api);
    const started = await bridge({ secretId: 'hmac' }, api, { hmac: 'REPLACE_ME' });
    const response = await fetch(
      `${started.url}/hooks/runs`,
      signedRequest({ body: nextBody(), secret: 'REPLACE_ME' }),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: 'secret_unavailable' });
    expect(started.logger.text()).toContain('still holds the placeholder REPLACE_ME');
    expect(api.received).toEqual([]);
  });

  it('takes the real token put in its place at once, without a restart', async () => {
    const api = await startDestination();
    open.push(api);
    const started = await bridge({ secretId: 'hmac' }, api, { hmac: 'REPLACE_ME' });
    started.writeSecrets({ hmac: NEW });
    const response = await fetch(
      `${started.url}/hooks/runs`,
      signedRequest({ body: nextBody(), secret: NEW }),
    );
    expect(response.status).toBe(202);
    expect(
      started.logger.withMessage('signing secrets re-read after an unusable signing secret'),
    ).toHaveLength(1);
    await api.waitFor(1);
  });
});
