// Secrets a destination echoes back never reach logs or dead letters, in any spelling and at any
// length: the real local bridge, destinations on 127.0.0.1 that echo what they were sent, and a
// search of everything the bridge wrote for any 12-character piece of each secret.
import { describe, expect, it } from 'vitest';
import { closeAfterEach } from '../support/closed-after-each';
import type { Behaviour } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { eventually, type TestBridge } from '../support/local-bridge';
import { signedRequest } from '../support/signed-request';

const HMAC = 'masking-signing-token-0001';
/** 41 characters, like the probe's bearer token. */
const TOKEN = 'tok_9f8e7d6c5b4a3928170615243342516071829';
const HOOK_PATH = 'services/T0001/B0001/abcdefghijklmnopqrstuvwx';
/** A piece this long counts as a leak (lambda/core/redaction.ts SECRET_PIECE_CHARS; spelled out
 *  so this file also runs against code without it). */
const SECRET_PIECE_CHARS = 12;
const ONE_TRY = { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 };

const { destination, bridge: startBridge } = closeAfterEach();

async function bridge(destinations: unknown[], secrets: Record<string, unknown>): Promise<TestBridge> {
  return startBridge(
    { routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, allowInsecureHttp: true, destinations }] },
    { hmac: HMAC, ...secrets },
  );
}

async function deadLetterOf(b: TestBridge) {
  const response = await fetch(
    `${b.url}/hooks/runs`,
    signedRequest({ body: fixture('tfe-run-errored'), secret: HMAC }),
  );
  expect(response.status).toBe(202);
  const [letter] = await eventually(() => (b.deadLetters().length > 0 ? b.deadLetters() : undefined));
  return letter;
}

/** Every piece of `secret` long enough to count as a leak. */
function piecesOf(secret: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + SECRET_PIECE_CHARS <= secret.length; i++)
    pieces.push(secret.slice(i, i + SECRET_PIECE_CHARS));
  return pieces;
}

function expectNoPiece(text: string, secret: string): void {
  for (const piece of piecesOf(secret)) expect(text).not.toContain(piece);
}

const everything = (b: TestBridge) => `${b.logger.text()}\n${JSON.stringify(b.deadLetters())}`;

describe('masking what a destination echoes', () => {
  it('masks a bearer token that straddles the error cut (the snippet is masked before it is cut)', async () => {
    // The token starts 166 characters into the body: a cut at 200 before masking kept 34 of its 41.
    const echo: Behaviour = (request) => ({
      status: 400,
      body: `${'p'.repeat(159)}${request.headers.authorization}${'q'.repeat(100)}`,
    });
    const api = await destination(echo);
    const b = await bridge(
      [{ id: 'api', url: api.url, auth: { type: 'bearer', secret: { secretId: 'token' } }, retry: ONE_TRY }],
      { token: TOKEN },
    );
    const letter = await deadLetterOf(b);
    expect(letter).toMatchObject({ reason: 'permanent', lastStatus: 400 });
    expect(letter?.lastError).toContain('Bearer ***');
    expectNoPiece(everything(b), TOKEN);
  });

  it('masks the token URL-encoded, JSON-escaped and base64-encoded (standard and url-safe)', async () => {
    const secret = `${TOKEN}"/+?`;
    const echo: Behaviour = () => ({
      status: 400,
      body: JSON.stringify({
        query: `k=${encodeURIComponent(secret)}`,
        json: secret,
        b64: Buffer.from(`user:${secret}`).toString('base64'),
        b64url: Buffer.from(secret).toString('base64url'),
      }),
    });
    const api = await destination(echo);
    const b = await bridge(
      [
        {
          id: 'api',
          url: api.url,
          template: { jsonata: '{ "key": $base64encode($secrets.key) }' },
          secrets: { key: { secretId: 'token' } },
          retry: ONE_TRY,
        },
      ],
      { token: secret },
    );
    const letter = await deadLetterOf(b);
    expect(letter).toMatchObject({ reason: 'permanent', lastStatus: 400 });
    const written = everything(b);
    for (const form of [
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64').slice(0, -4),
      Buffer.from(secret).toString('base64url').slice(0, -4),
    ]) {
      expectNoPiece(written, form);
    }
  });

  it("masks a secret URL's path when the destination echoes it (Express's 404), stored un-normalised", async () => {
    const express404: Behaviour = (request) => ({
      status: 404,
      headers: { 'content-type': 'text/html' },
      body: `<!DOCTYPE html><html><body><pre>Cannot POST ${request.path}</pre></body></html>`,
    });
    const api = await destination(express404);
    // Upper-case scheme and host: `new URL()` lower-cases them, so the stored text never appears.
    const stored = `${api.url.replace('http://127.0.0.1', 'HTTP://127.0.0.1')}/${HOOK_PATH}`;
    const b = await bridge([{ id: 'hook', url: { secret: { secretId: 'hook' } }, retry: ONE_TRY }], {
      hook: stored,
    });
    const letter = await deadLetterOf(b);
    expect(letter).toMatchObject({ reason: 'permanent', lastStatus: 404 });
    expect(letter?.lastError).toContain('Cannot POST /***');
    expectNoPiece(everything(b), HOOK_PATH);
  });

  it('masks secrets shorter than 4 characters where they stand as a token, and leaves words alone', async () => {
    const echo: Behaviour = (request) => ({
      status: 400,
      body: `this is a test: ${request.headers.authorization}, body ${request.body}`,
    });
    const api = await destination(echo);
    const b = await bridge(
      [
        {
          id: 'api',
          url: api.url,
          auth: { type: 'bearer', secret: { secretId: 'short' } },
          secrets: { one: { secretId: 'one' } },
          template: { jsonata: '{ "k": $secrets.one }' },
          retry: ONE_TRY,
        },
      ],
      { short: 'xyz', one: 'a' },
    );
    const letter = await deadLetterOf(b);
    expect(letter?.lastError).toBe('HTTP 400: this is a test: Bearer ***, body {"k":"***"}');
    expect(everything(b)).not.toContain('Bearer xyz');
  });
});
