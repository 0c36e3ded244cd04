// The receiver's AWS client on a host whose clock is wrong: AWS (here the Secrets Manager fake,
// which refuses a signing date more than 5 minutes off, as AWS does) answers a skew error with
// its own time in the Date header; the client corrects its offset, signs again once, and keeps
// the offset for later calls. Answers that do not show a wrong clock are not retried.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsError, AwsJsonClient, SECRETS_MANAGER } from '../../lambda/adapters/aws/aws-json-client';
import { getSecretValueWith } from '../../lambda/adapters/aws/aws-operations';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const MINUTE = 60_000;

function clientAt(endpoint: string, clockErrorMs: number, maxAttempts = 3) {
  const client = new AwsJsonClient({
    service: SECRETS_MANAGER,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    endpoint,
    maxAttempts,
    now: () => new Date(Date.now() + clockErrorMs),
    sleep: async () => {},
  });
  return getSecretValueWith(client);
}

async function failure(promise: Promise<unknown>): Promise<AwsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsError);
  return error as AwsError;
}

describe('AwsJsonClient with a wrong clock, against the Secrets Manager fake', () => {
  let sm: SecretsManagerServer;
  beforeEach(async () => {
    sm = await startSecretsManager();
    sm.setSecret('tfe-bridge/hmac', 'token');
  });
  afterEach(() => sm.close());

  it.each([
    ['20 minutes behind', -20 * MINUTE, /^Signature expired: \d{8}T\d{6}Z is now earlier than/],
    ['3 hours ahead', 3 * 60 * MINUTE, /^Signature not yet current: \d{8}T\d{6}Z is still later than/],
  ])(
    'reads the secret with a clock %s: refused once, then signed with AWS time',
    async (_case, skew, refusal) => {
      const get = clientAt(sm.endpoint, skew);
      expect((await get({ SecretId: 'tfe-bridge/hmac' })).SecretString).toBe('token');
      expect(sm.requests).toBe(2);
      expect(sm.signatureRefusals).toEqual([expect.stringMatching(refusal)]);

      // The offset is kept: the next call is signed right the first time.
      expect((await get({ SecretId: 'tfe-bridge/hmac' })).SecretString).toBe('token');
      expect(sm.requests).toBe(3);
      expect(sm.signatureRefusals).toHaveLength(1);
    },
  );

  it('counts the corrected attempt against maxAttempts, and still corrects the clock for the next call', async () => {
    const get = clientAt(sm.endpoint, -20 * MINUTE, 1);
    const error = await failure(get({ SecretId: 'tfe-bridge/hmac' }));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1, clockSkewCorrected: true });
    expect((await get({ SecretId: 'tfe-bridge/hmac' })).SecretString).toBe('token');
    expect(sm.requests).toBe(2);
  });

  it('does not retry an AccessDeniedException from a server whose clock agrees with ours', async () => {
    sm.failNext(1, 'AccessDeniedException');
    const error = await failure(clientAt(sm.endpoint, 0)({ SecretId: 'tfe-bridge/hmac' }));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.clockSkewCorrected).toBeUndefined();
    expect(sm.requests).toBe(1);
  });
});

interface Refusal {
  /** The Date header to send; undefined sends none. */
  date: string | undefined;
  age?: string;
  type?: string;
}

/** Answers each request with the next refusal (400), then `{ SecretString: 'ok' }`. */
async function refusingServer(refusals: Refusal[]) {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      const refusal = refusals.shift();
      res.sendDate = false;
      if (!refusal) return res.writeHead(200).end(JSON.stringify({ SecretString: 'ok' }));
      const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
      if (refusal.date !== undefined) headers.date = refusal.date;
      if (refusal.age !== undefined) headers.age = refusal.age;
      const __type = refusal.type ?? 'InvalidSignatureException';
      res.writeHead(400, headers).end(JSON.stringify({ __type, message: 'Signature expired' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('AwsJsonClient on skew-like answers that do not show a wrong clock', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  async function serve(refusals: Refusal[]) {
    const server = await refusingServer(refusals);
    servers.push(server);
    return server;
  }
  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 60 * MINUTE).toUTCString();

  it.each<[string, Refusal]>([
    ['no Date header', { date: undefined }],
    ['a Date header that is not a date', { date: 'yesterday' }],
    ['an Age header (a cached answer)', { date: hoursFromNow(2), age: '7200' }],
    ['a Date within 4 minutes of the signing date', { date: hoursFromNow(0.05) }],
    ['a code that is not about signatures', { date: hoursFromNow(2), type: 'ValidationException' }],
  ])('throws at once on %s', async (_case, refusal) => {
    const server = await serve([refusal]);
    const error = await failure(clientAt(server.endpoint, 0)({ SecretId: 'x' }));
    expect(error.name).toBe(refusal.type ?? 'InvalidSignatureException');
    expect(server.requests).toBe(1);
  });

  it('corrects once per call: a second refusal that would move the clock again is thrown', async () => {
    const server = await serve([{ date: hoursFromNow(2) }, { date: hoursFromNow(4) }]);
    const error = await failure(clientAt(server.endpoint, 0)({ SecretId: 'x' }));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.$metadata.attempts).toBe(2);
    expect(server.requests).toBe(2);
  });
});
