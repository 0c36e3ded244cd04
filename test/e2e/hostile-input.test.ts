// Inputs an attacker (or a broken pipe) chooses, against the real bridge: a body nested 10,000
// levels deep, a verification mixed with real entries, clients that hang up mid-body, a log
// reader that goes away. The bridge stays up, answers what it should, and loses nothing.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type CliProcess, runCli, startCli } from '../support/cli-process';
import { closeAfterEach } from '../support/closed-after-each';
import { fixture } from '../support/fixtures';
import { eventually } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'hostile-input-signing-token';
const { destination, bridge } = closeAfterEach();
const running: CliProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) cli.child.kill('SIGKILL');
});

/** A run notification whose run_message holds arrays nested `depth` levels deep. */
function deeplyNested(depth: number): string {
  const body = JSON.parse(fixture('tfe-run-errored')) as Record<string, unknown>;
  body.run_message = '@nested@';
  return JSON.stringify(body).replace('"@nested@"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
}

function serveArgs(apiUrl: string, template: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-hostile-'));
  writeFileSync(
    join(dir, 'bridge.yaml'),
    stringify({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          allowInsecureHttp: true,
          destinations: [{ id: 'api', url: apiUrl, template, retry: { maxAttempts: 2, baseDelayMs: 10 } }],
        },
      ],
    }),
  );
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ hmac: HMAC }));
  const args = ['serve', '--config', join(dir, 'bridge.yaml'), '--secrets', join(dir, 'secrets.json')];
  return { dir, args: [...args, '--port', '0', '--store', join(dir, 'bridge.db')] };
}

async function serve(args: string[]) {
  const cli = startCli(args);
  running.push(cli);
  const [, url] = await cli.waitForOutput(/"message":"listening","url":"([^"]+)"/);
  return { cli, url: url ?? '' };
}

const post = (url: string, body: string) =>
  fetch(`${url}/hooks/runs`, signedRequest({ body, secret: HMAC })).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

describe('a body nested 10,000 levels deep, on a route whose template reads the payload', () => {
  it('is dead-lettered as permanent; the process stays up, delivers the next one, and restarts cleanly', async () => {
    const api = await destination();
    const { dir, args } = serveArgs(api.url, { jsonata: '{ "message": run_message, "run": run_id }' });
    const first = await serve(args);
    expect(await post(first.url, deeplyNested(10_000))).toBe(202);
    expect(await post(first.url, fixture('tfe-run-planned'))).toBe(202);
    await api.waitFor(1);
    expect(JSON.parse(api.received[0]?.body ?? '{}').run).toBe(JSON.parse(fixture('tfe-run-planned')).run_id);
    await first.cli.waitForOutput(/"message":"dead-lettered".*"reason":"permanent"/);
    expect(first.cli.child.exitCode).toBeNull();

    // A restart finds nothing to crash on: the job is a dead letter, not a pending row.
    first.cli.child.kill('SIGTERM');
    expect((await first.cli.done).code).toBe(0);
    const second = await serve(args);
    expect(await post(second.url, fixture('tfe-run-completed-captured'))).toBe(202);
    await api.waitFor(2);
    const listed = await runCli(['dead-letters', 'list', '--store', join(dir, 'bridge.db')]);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).reason),
    ).toEqual(['permanent']);
  }, 30_000);
});

describe('a verification entry mixed with real entries', () => {
  it('is refused with 400, so nothing is dropped silently or forwarded with a verification in it', async () => {
    const api = await destination();
    const b = await bridge(
      {
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'hmac' },
            allowInsecureHttp: true,
            destinations: [{ id: 'api', url: api.url }],
          },
        ],
      },
      { hmac: HMAC },
    );
    const body = JSON.parse(fixture('tfe-run-errored')) as { notifications: unknown[] };
    const verification = JSON.parse(fixture('tfe-verification')) as { notifications: unknown[] };
    body.notifications = [...verification.notifications, ...body.notifications];
    const response = await fetch(
      `${b.url}/hooks/runs`,
      signedRequest({ body: JSON.stringify(body), secret: HMAC }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_payload',
      message: 'a verification entry cannot be mixed with notifications in one body',
    });
    // A verification on its own is still verified.
    expect(
      (await fetch(`${b.url}/hooks/runs`, signedRequest({ body: fixture('tfe-verification'), secret: HMAC })))
        .status,
    ).toBe(200);
    expect(api.received).toEqual([]);
  });
});

describe('clients that hang up in the middle of their body', () => {
  it('are logged once each at info as client_aborted, never as a server error', async () => {
    const api = await destination();
    const b = await bridge(
      {
        routes: [
          {
            id: 'runs',
            signingSecret: { secretId: 'hmac' },
            allowInsecureHttp: true,
            destinations: [{ id: 'api', url: api.url }],
          },
        ],
      },
      { hmac: HMAC },
    );
    const { port } = new URL(b.url);
    await Promise.all(
      Array.from({ length: 20 }, () => {
        return new Promise<void>((resolve) => {
          const socket = connect(Number(port), '127.0.0.1', () => {
            socket.write(
              'POST /hooks/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"payload',
            );
            setTimeout(() => socket.destroy(), 50);
          });
          socket.on('close', () => resolve());
          socket.on('error', () => resolve());
        });
      }),
    );
    const aborted = await eventually(() => {
      const lines = b.logger.entries.filter((e) => e.result === 'client_aborted');
      return lines.length === 20 ? lines : undefined;
    });
    expect(new Set(aborted.map((e) => e.level))).toEqual(new Set(['info']));
    expect(b.logger.entries.filter((e) => e.level === 'error')).toEqual([]);
    // Still serving.
    expect(
      (await fetch(`${b.url}/hooks/runs`, signedRequest({ body: fixture('tfe-run-errored'), secret: HMAC })))
        .status,
    ).toBe(202);
  });
});

describe('a log reader that goes away (serve | tee, tee killed)', () => {
  it('does not kill the bridge: it keeps answering and delivering', async () => {
    const api = await destination();
    const { args } = serveArgs(api.url, { preset: 'passthrough' });
    const { cli, url } = await serve(args);
    // Close the read end of the bridge's stdout: its next log line gets EPIPE.
    cli.child.stdout?.destroy();
    for (let i = 0; i < 5; i++)
      expect(await post(url, fixture('tfe-run-errored').replace('run-', `run-${i}`))).toBe(202);
    await api.waitFor(5);
    expect(cli.child.exitCode).toBeNull();
  });
});
