// A 202 must mean the job survives a crash: kill -9 the real bridge process with deliveries
// pending, start it again, and the destination still gets every accepted notification.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliProcess, startCli } from '../support/cli-process';
import { type Behaviour, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { signedRequest } from '../support/signed-request';

const HMAC = 'crash-test-signing-token';
const running: CliProcess[] = [];
afterEach(() => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

async function serve(dir: string) {
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
  running.push(cli);
  const [, url] = await cli.waitForOutput(/"message":"listening","url":"([^"]+)"/);
  return { cli, url: url ?? '' };
}

describe('crash safety in local mode', () => {
  it('delivers after a restart what was accepted before kill -9', async () => {
    let up = false;
    const behaviour: Behaviour = () => (up ? { status: 200 } : { status: 503 });
    const api = await startDestination(behaviour);
    const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-crash-'));
    writeFileSync(
      join(dir, 'bridge.yaml'),
      stringify({
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'hmac' },
            allowInsecureHttp: true,
            destinations: [
              {
                id: 'api',
                url: api.url,
                retry: { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 1_000 },
              },
            ],
          },
        ],
      }),
    );
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ hmac: HMAC }));

    const first = await serve(dir);
    const bodies = [
      'tfe-run-created-captured',
      'tfe-run-planning-captured',
      'tfe-run-completed-captured',
    ].map(fixture);
    for (const body of bodies) {
      expect((await fetch(`${first.url}/hooks/runs`, signedRequest({ body, secret: HMAC }))).status).toBe(
        202,
      );
    }
    await api.waitFor(1); // the first job failed and waits for its retry
    first.cli.child.kill('SIGKILL');
    await first.cli.done;
    const failed = api.received.length;

    up = true;
    const second = await serve(dir);
    await second.cli.waitForOutput(/resuming jobs accepted before the last stop","count":3/);
    await api.waitFor(failed + 3);
    expect(api.received.slice(failed).map((r) => r.body)).toEqual(bodies);
    await api.close();
  });
});
