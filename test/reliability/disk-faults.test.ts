// The real `serve` on a disk that is read-only, full, or not there: it refuses to start rather
// than accept and lose; at run time it answers 503 to what it cannot store, acknowledges only
// what it stored, keeps a job pending until its dead letter is stored, and its store does not
// grow with the notifications it delivered. kill -9 under load loses nothing acknowledged.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliProcess, runCli, startCli } from '../support/cli-process';
import { type Behaviour, type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { signedRequest } from '../support/signed-request';
import { mountTmpfs, unmountAll } from '../support/tmpfs';

const HMAC = 'disk-fault-signing-token';
const running: CliProcess[] = [];
const servers: DestinationServer[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
  await Promise.all(running.map((cli) => cli.done));
  await Promise.all(servers.splice(0).map((server) => server.close()));
  unmountAll();
});

async function destination(behaviour?: Behaviour) {
  const server = await startDestination(behaviour);
  servers.push(server);
  return server;
}

/** A config and secrets in a directory of their own (never on the faulty disk). */
function configDir(apiUrl: string, retry = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 }) {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-disk-'));
  writeFileSync(
    join(dir, 'bridge.yaml'),
    stringify({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [{ id: 'api', url: apiUrl, retry }],
        },
      ],
    }),
  );
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ hmac: HMAC }));
  return dir;
}

const serveArgs = (dir: string, store: string) => [
  'serve',
  '--config',
  join(dir, 'bridge.yaml'),
  '--secrets',
  join(dir, 'secrets.json'),
  '--port',
  '0',
  '--store',
  store,
];

async function serve(dir: string, store: string) {
  const cli = startCli(serveArgs(dir, store));
  running.push(cli);
  const [, url] = await cli.waitForOutput(/"message":"listening","url":"([^"]+)"/);
  return { cli, url: url ?? '' };
}

/** A run notification made unique by `n`, padded to about `bytes`. */
function notification(n: number, bytes = 0): string {
  const body = JSON.parse(fixture('tfe-run-completed-captured')) as Record<string, unknown>;
  body.run_id = `run-${String(n).padStart(8, '0')}`;
  body.run_message = 'x'.repeat(bytes);
  return JSON.stringify(body);
}

const post = (url: string, body: string) =>
  fetch(`${url}/hooks/runs`, signedRequest({ body, secret: HMAC })).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });

const sizeOf = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.startsWith('bridge.db'))
    .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);

describe('serve refuses to start on a store it cannot write (exit 2, naming the path)', () => {
  it('when a parent of the store path is a file', async () => {
    const dir = configDir('http://127.0.0.1:1');
    writeFileSync(join(dir, 'not-a-dir'), '');
    const store = join(dir, 'not-a-dir', 'bridge.db');
    const result = await runCli(serveArgs(dir, store));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${store}: cannot use the store`);
  });

  it('on a read-only file system', async () => {
    const disk = mountTmpfs({ sizeKb: 1024, readOnly: true });
    const store = join(disk.dir, 'bridge.db');
    const result = await runCli(serveArgs(configDir('http://127.0.0.1:1'), store));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${store}: cannot use the store`);
    expect(result.stderr).toContain('read-only');
  });

  it('on a full disk', async () => {
    const disk = mountTmpfs({ sizeKb: 1024 });
    disk.fill();
    const store = join(disk.dir, 'bridge.db');
    const result = await runCli(serveArgs(configDir('http://127.0.0.1:1'), store));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${store}: cannot use the store`);
  });

  it('while another serve delivers from the same store', async () => {
    const dir = configDir('http://127.0.0.1:1');
    const store = join(dir, 'bridge.db');
    await serve(dir, store);
    const second = await runCli(serveArgs(dir, store));
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/is in use by process \d+ on .* \(another tfe-bridge serve\?\)/);
  });
});

describe('a disk that fills up while the bridge runs', () => {
  it('answers 503 to what it cannot store, and delivers the resend once the disk has room', async () => {
    const api = await destination();
    const disk = mountTmpfs({ sizeKb: 2048 });
    const { url } = await serve(configDir(api.url), join(disk.dir, 'bridge.db'));
    const body = notification(1, 300_000);

    disk.fill();
    expect(await post(url, body)).toBe(503);
    disk.empty();
    // HashiCorp's resend of the same bytes: not a duplicate of anything stored.
    expect(await post(url, body)).toBe(202);
    await api.waitFor(1);
    expect(api.received.map((r) => JSON.parse(r.body).run_id)).toEqual(['run-00000001']);
  });

  it('acknowledges only what it stored while the disk fills under load, and delivers all of it', async () => {
    const api = await destination();
    const disk = mountTmpfs({ sizeKb: 16_384 });
    const { url } = await serve(configDir(api.url), join(disk.dir, 'bridge.db'));
    const statuses = new Map<number, number>();
    const send = async (from: number, to: number) => {
      await Promise.all(
        Array.from({ length: to - from }, async (_, i) => {
          statuses.set(from + i, await post(url, notification(from + i, 20_000)));
        }),
      );
    };
    await send(0, 40);
    disk.fill();
    await send(40, 80);
    disk.empty();
    const refused = [...statuses].filter(([, status]) => status === 503).map(([n]) => n);
    const acknowledged = [...statuses].filter(([, status]) => status === 202).map(([n]) => n);
    expect(refused.length + acknowledged.length).toBe(80);
    expect(refused.length).toBeGreaterThan(0);
    // The refused ones are resent, as HashiCorp would.
    for (const n of refused) expect(await post(url, notification(n, 20_000))).toBe(202);

    await api.waitFor(80, 30_000);
    const delivered = new Set(api.received.map((r) => JSON.parse(r.body).run_id));
    expect(delivered.size).toBe(80);
  }, 60_000);

  it('keeps a job pending until its dead letter is stored: after a restart with room, it is listed', async () => {
    // Answers 400 (permanent) slowly, so the disk is full when the dead letter is written.
    const api = await destination(() => ({ status: 400, delayMs: 1_000 }));
    const disk = mountTmpfs({ sizeKb: 2048 });
    const dir = configDir(api.url);
    const store = join(disk.dir, 'bridge.db');
    const first = await serve(dir, store);
    expect(await post(first.url, notification(1))).toBe(202);
    await api.waitFor(1);
    disk.fill();
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the 400 has come back
    first.cli.child.kill('SIGKILL');
    await first.cli.done;

    disk.empty();
    await serve(dir, store);
    let letters: Array<{ reason: string; lastStatus: number; payload: string }> = [];
    for (let tries = 0; letters.length === 0 && tries < 100; tries++) {
      const listed = await runCli(['dead-letters', 'list', '--store', store]);
      letters = listed.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      if (letters.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(letters.map((l) => [l.reason, l.lastStatus, JSON.parse(l.payload).run_id])).toEqual([
      ['permanent', 400, 'run-00000001'],
    ]);
  }, 30_000);
});

describe('the store stays bounded', () => {
  it('does not grow with the number of notifications delivered', async () => {
    const api = await destination();
    const dir = configDir(api.url);
    const { url } = await serve(dir, join(dir, 'bridge.db'));
    const deliver = async (from: number, count: number) => {
      for (let n = from; n < from + count; n++) expect(await post(url, notification(n, 100_000))).toBe(202);
      await api.waitFor(from + count, 30_000);
    };
    await deliver(0, 50);
    const afterFifty = sizeOf(dir);
    await deliver(50, 150);
    const afterTwoHundred = sizeOf(dir);
    // 200 x 100 KB went through; the store keeps about what was in flight at once.
    expect(afterTwoHundred).toBeLessThan(Math.max(afterFifty * 1.5, 6_000_000));
    expect(afterTwoHundred).toBeLessThan(10_000_000);
  }, 60_000);
});

describe('kill -9 under load', () => {
  it('loses nothing it acknowledged: the next start delivers every 202', async () => {
    const api = await destination();
    const dir = configDir(api.url);
    const store = join(dir, 'bridge.db');
    const first = await serve(dir, store);
    const acknowledged = new Set<string>();
    let n = 0;
    const senders = Array.from({ length: 16 }, async () => {
      while (n < 400) {
        const id = n++;
        const status = await post(first.url, notification(id)).catch(() => 0);
        if (status === 202) acknowledged.add(`run-${String(id).padStart(8, '0')}`);
      }
    });
    while (acknowledged.size < 150) await new Promise((resolve) => setTimeout(resolve, 5));
    first.cli.child.kill('SIGKILL');
    await Promise.all(senders);
    await first.cli.done;

    await serve(dir, store);
    const deadline = Date.now() + 30_000;
    const delivered = () => new Set(api.received.map((r) => JSON.parse(r.body).run_id as string));
    while ([...acknowledged].some((id) => !delivered().has(id)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...acknowledged].filter((id) => !delivered().has(id))).toEqual([]);
  }, 60_000);
});
