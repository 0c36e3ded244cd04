// The HTTP side shared by the AWS protocol fakes (eventbridge-fake.ts, sns-fake.ts): a server on
// 127.0.0.1 that records every request, checks its SigV4 signature as AWS does, and polls for
// what a test waits on.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReceivedRequest } from './destination-server';
import { verifySigV4 } from './sigv4-verifier';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The dummy credentials local-sqs.ts uses: nothing signed with them can reach real AWS. */
export const TEST_CREDENTIALS: AwsCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The account the fakes pretend to be (as in secrets-manager-server.ts). */
export const FAKE_ACCOUNT_ID = '123456789012';

export interface FakeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Why AWS refuses a request's signature, before looking at what it asks. */
export interface SignatureRefusal {
  kind: 'missing' | 'unknown-key' | 'mismatch';
  message: string;
}

/** AWS's tolerance for X-Amz-Date against its own clock. */
const SIGNING_DATE_TOLERANCE_MS = 5 * 60_000;

const parseAmzDate = (value: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m
    ? Date.UTC(+(m[1] ?? 0), +(m[2] ?? 1) - 1, +(m[3] ?? 0), +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))
    : undefined;
};

const formatAmzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/**
 * Checks a request as AWS's front door does: a SigV4 Authorization header, a known access key,
 * a credential scoped to this service, a signing date within 5 minutes, and a signature that
 * recomputes. Answers the signing region, or why the request is refused.
 */
export async function checkSignature(
  request: ReceivedRequest,
  credentials: AwsCredentials,
  service: string,
): Promise<{ region: string } | SignatureRefusal> {
  const authorization = String(request.headers.authorization ?? '');
  if (!authorization) return { kind: 'missing', message: 'Missing Authentication Token' };
  const keyId = /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
  if (keyId !== undefined && keyId !== credentials.accessKeyId) {
    return { kind: 'unknown-key', message: 'The security token included in the request is invalid.' };
  }
  const check = await verifySigV4(request, credentials);
  if (check.service && check.service !== service) {
    return { kind: 'mismatch', message: `Credential should be scoped to correct service: '${service}'. ` };
  }
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const signedAt = parseAmzDate(amzDate);
  const now = Date.now();
  if (signedAt !== undefined && signedAt < now - SIGNING_DATE_TOLERANCE_MS) {
    const [earliest, current] = [formatAmzDate(now - SIGNING_DATE_TOLERANCE_MS), formatAmzDate(now)];
    return {
      kind: 'mismatch',
      message: `Signature expired: ${amzDate} is now earlier than ${earliest} (${current} - 5 min.)`,
    };
  }
  if (signedAt !== undefined && signedAt > now + SIGNING_DATE_TOLERANCE_MS) {
    const [latest, current] = [formatAmzDate(now + SIGNING_DATE_TOLERANCE_MS), formatAmzDate(now)];
    return {
      kind: 'mismatch',
      message: `Signature not yet current: ${amzDate} is still later than ${latest} (${current} + 5 min.)`,
    };
  }
  if (!check.valid) {
    return {
      kind: 'mismatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return { region: check.region };
}

export interface AwsFakeServer {
  endpoint: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** A server that records each request (in arrival order) and answers with `handle`. */
export async function serveAwsFake(
  handle: (request: ReceivedRequest) => Promise<FakeAnswer>,
): Promise<AwsFakeServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      requests.push(request);
      handle(request).then(
        (answer) => res.writeHead(answer.status, answer.headers).end(answer.body),
        // A bug in the fake must not look like a service answer the client could handle.
        () => req.socket.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves with `list` once it holds `count` items; polls, so no speed assumption. */
export async function waitForCount<T>(
  list: T[],
  count: number,
  what: string,
  timeoutMs = 5_000,
): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  while (list.length < count) {
    if (Date.now() > deadline) throw new Error(`got ${list.length} of ${count} ${what} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return list;
}

/** Takes one from a queue of injected failures: the next `times` uses get `error`. */
export function failureQueue<E>(): { add(times: number, error: E): void; take(): E | undefined } {
  const queue: E[] = [];
  return {
    add: (times, error) => {
      for (let i = 0; i < times; i++) queue.push(error);
    },
    take: () => queue.shift(),
  };
}
