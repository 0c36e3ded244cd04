// The Lambdas' own AWS client over real HTTP: SendMessageBatch to the SQS emulator (read back
// with the real SDK), GetSecretValue from the Secrets Manager fake, AWS errors by name, retries,
// timeouts, endpoint resolution, and a signature a server can check from what it received.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AwsConfigError,
  AwsError,
  AwsJsonClient,
  type AwsService,
  awsJsonClientFromEnv,
  DYNAMODB,
  SECRETS_MANAGER,
  SQS,
} from '../../lambda/adapters/aws/aws-json-client';
import {
  getSecretValueFromEnv,
  getSecretValueWith,
  sendMessageBatchFromEnv,
  sendMessageBatchWith,
} from '../../lambda/adapters/aws/aws-operations';
import { type FifoQueues, type LocalSqs, REGION, startLocalSqs } from '../support/local-sqs';
import { NodeSha256 } from '../support/node-sha256';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const TOKEN = 'bfa620013597e9c30c179037ad74527a4956a561';

const delays: number[] = [];
function client(
  service: AwsService,
  endpoint: string,
  options: { maxAttempts?: number; timeoutMs?: number } = {},
) {
  return new AwsJsonClient({
    service,
    region: REGION,
    credentials: CREDENTIALS,
    endpoint,
    maxAttempts: options.maxAttempts ?? 3,
    attemptTimeoutMs: options.timeoutMs ?? 5_000,
    // Retries are counted, not waited for.
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
}

async function failure(promise: Promise<unknown>): Promise<AwsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsError);
  return error as AwsError;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A server that answers each request with the next reply (`'hang'`: never), recording what arrived. */
async function scriptedServer(replies: Array<Reply | 'hang'>) {
  const received: Array<{ headers: IncomingMessage['headers']; body: string; url: string }> = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({ headers: req.headers, body, url: req.url ?? '' });
    const reply = replies.shift();
    if (reply === undefined || reply === 'hang') return;
    res
      .writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1', ...reply.headers })
      .end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeEach(() => {
  delays.length = 0;
});

describe('AwsJsonClient against the SQS emulator', () => {
  let sqs: LocalSqs;
  let queues: FifoQueues;
  beforeEach(async () => {
    sqs = await startLocalSqs();
    queues = await sqs.createQueues('wire');
  });
  afterEach(() => sqs.close());

  it('sends a SendMessageBatch that the real SDK client then receives, FIFO ids and all', async () => {
    const send = sendMessageBatchWith(client(SQS, sqs.endpoint));
    const bodies = ['{"n":1,"text":"Déploiement échoué ✗ 日本語 🚀"}', '{"n":2}'];
    const result = await send({
      QueueUrl: queues.queueUrl,
      Entries: bodies.map((MessageBody, i) => ({
        Id: `job-${i}`,
        MessageBody,
        MessageGroupId: `runs/dest-${i}`,
        MessageDeduplicationId: `dedup-${i}`,
      })),
    });
    expect(result.Successful?.map((s) => s.Id).sort()).toEqual(['job-0', 'job-1']);
    expect(result.Failed ?? []).toEqual([]);

    const received = await sqs.receive(queues.queueUrl);
    expect(
      received
        .map((m) => [m.Body, m.Attributes?.MessageGroupId, m.Attributes?.MessageDeduplicationId])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ).toEqual([
      [bodies[0], 'runs/dest-0', 'dedup-0'],
      [bodies[1], 'runs/dest-1', 'dedup-1'],
    ]);
  });

  it('reports a missing queue as QueueDoesNotExist with the HTTP status, without retrying', async () => {
    const missing = queues.queueUrl.replace('wire.fifo', 'missing.fifo');
    const error = await failure(
      sendMessageBatchWith(client(SQS, sqs.endpoint))({
        QueueUrl: missing,
        Entries: [{ Id: 'a', MessageBody: 'secret-looking body', MessageGroupId: 'g' }],
      }),
    );
    expect(error.name).toBe('QueueDoesNotExist');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
    expect(error.message).toMatch(/^SQS SendMessageBatch failed: QueueDoesNotExist \(HTTP 400\)/);
    expect(error.message).not.toContain('secret-looking body');
    expect(sqs.batches).toHaveLength(1);
  });
});

describe('AwsJsonClient against the Secrets Manager fake', () => {
  let sm: SecretsManagerServer;
  beforeEach(async () => {
    sm = await startSecretsManager();
  });
  afterEach(() => sm.close());

  it('reads AWSCURRENT, and AWSPREVIOUS when asked by VersionStage', async () => {
    sm.setSecret('tfe-bridge/hmac', 'old-value');
    sm.setSecret('tfe-bridge/hmac', TOKEN);
    const get = getSecretValueWith(client(SECRETS_MANAGER, sm.endpoint));
    expect(await get({ SecretId: 'tfe-bridge/hmac' })).toMatchObject({ SecretString: TOKEN });
    expect(await get({ SecretId: 'tfe-bridge/hmac', VersionStage: 'AWSPREVIOUS' })).toMatchObject({
      SecretString: 'old-value',
    });
    expect(sm.log).toEqual([
      { target: 'secretsmanager.GetSecretValue', secretId: 'tfe-bridge/hmac', versionStage: undefined },
      { target: 'secretsmanager.GetSecretValue', secretId: 'tfe-bridge/hmac', versionStage: 'AWSPREVIOUS' },
    ]);
  });

  it('throws ResourceNotFoundException by name, once (a client error is not retried)', async () => {
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, sm.endpoint))({ SecretId: 'nope' }),
    );
    expect(error.name).toBe('ResourceNotFoundException');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
    expect(error.message).toBe(
      "Secrets Manager GetSecretValue failed: ResourceNotFoundException (HTTP 400): Secrets Manager can't find the specified secret.",
    );
    expect(sm.requests).toBe(1);
  });

  it('retries ThrottlingException with jittered backoff and gives up after maxAttempts', async () => {
    sm.setSecret('token', TOKEN);
    sm.failNext(3, 'ThrottlingException');
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, sm.endpoint))({ SecretId: 'token' }),
    );
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 3 });
    expect(sm.requests).toBe(3);
    // Full jitter under the throttling base: [0, 500) then [0, 1000).
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThan(500);
    expect(delays[1]).toBeLessThan(1000);
  });

  it.each(['ThrottlingException', 'InternalServiceError', 'network'] as const)(
    'succeeds when %s happens once and the retry answers',
    async (type) => {
      sm.setSecret('token', TOKEN);
      sm.failNext(1, type);
      const get = getSecretValueWith(client(SECRETS_MANAGER, sm.endpoint));
      expect((await get({ SecretId: 'token' })).SecretString).toBe(TOKEN);
      expect(sm.requests).toBe(2);
    },
  );

  it('does not retry AccessDeniedException', async () => {
    sm.setSecret('token', TOKEN);
    sm.failNext(1, 'AccessDeniedException');
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, sm.endpoint))({ SecretId: 'token' }),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(sm.requests).toBe(1);
  });

  it('names a dropped connection NetworkError, with no HTTP status', async () => {
    sm.setSecret('token', TOKEN);
    sm.failNext(1, 'network');
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, sm.endpoint, { maxAttempts: 1 }))({ SecretId: 'token' }),
    );
    expect(error.name).toBe('NetworkError');
    expect(error.$metadata.httpStatusCode).toBeUndefined();
    expect(error.message).toMatch(/^Secrets Manager GetSecretValue: network error \(/);
  });

  it('never puts the secret value into an error', async () => {
    sm.setSecret('token', TOKEN);
    sm.failNext(1, 'AccessDeniedException');
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, sm.endpoint))({ SecretId: 'token' }),
    );
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(TOKEN);
  });
});

describe('AwsJsonClient on the wire', () => {
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  async function serve(replies: Array<Reply | 'hang'>) {
    const server = await scriptedServer(replies);
    servers.push(server);
    return server;
  }
  const ok = (body: object): Reply => ({ status: 200, body: JSON.stringify(body) });

  it('sends a request whose signature a server can verify from the headers and body it received', async () => {
    const server = await serve([ok({ SecretString: 'x' })]);
    const credentials = { ...CREDENTIALS, sessionToken: 'session-token-from-the-lambda-role' };
    const signing = new AwsJsonClient({
      service: SECRETS_MANAGER,
      region: 'eu-west-1',
      credentials,
      endpoint: server.endpoint,
    });
    await getSecretValueWith(signing)({ SecretId: 'tfe-bridge/ünïcode', VersionStage: 'AWSCURRENT' });

    const [request] = server.received;
    const headers = request?.headers ?? {};
    expect(request?.url).toBe('/');
    expect(headers).toMatchObject({
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
      'x-amz-security-token': credentials.sessionToken,
    });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      SecretId: 'tfe-bridge/ünïcode',
      VersionStage: 'AWSCURRENT',
    });
    // Recompute with the SDK's signer from what arrived, over the headers the client said it signed.
    const authorization = String(headers.authorization);
    const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
    expect(signedNames).toEqual([
      'content-type',
      'host',
      'x-amz-date',
      'x-amz-security-token',
      'x-amz-target',
    ]);
    const date = String(headers['x-amz-date']).replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
      '$1-$2-$3T$4:$5:$6Z',
    );
    const verifier = new SignatureV4({
      credentials,
      region: 'eu-west-1',
      service: 'secretsmanager',
      sha256: NodeSha256,
      applyChecksum: false,
    });
    const resigned = await verifier.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: request?.url ?? '',
        headers: Object.fromEntries(signedNames.map((name) => [name, String(headers[name])])),
        body: request?.body ?? '',
      },
      { signingDate: new Date(date) },
    );
    expect(resigned.headers.authorization).toBe(authorization);
  });

  it('ends an attempt that gets no answer with TimeoutError', async () => {
    const server = await serve(['hang']);
    const slow = client(SECRETS_MANAGER, server.endpoint, { maxAttempts: 1, timeoutMs: 200 });
    const error = await failure(getSecretValueWith(slow)({ SecretId: 'x' }));
    expect(error.name).toBe('TimeoutError');
    expect(error.message).toBe('Secrets Manager GetSecretValue: no answer within 200 ms');
    expect(error.$metadata.httpStatusCode).toBeUndefined();
  });

  it('retries an attempt that timed out, and returns the answer of the next one', async () => {
    const server = await serve(['hang', ok({ SecretString: 'second try' })]);
    const slow = client(SECRETS_MANAGER, server.endpoint, { maxAttempts: 2, timeoutMs: 200 });
    expect((await getSecretValueWith(slow)({ SecretId: 'x' })).SecretString).toBe('second try');
    expect(server.received).toHaveLength(2);
  });

  it('retries a 502 page from a proxy, and reports it by status without its body', async () => {
    const page: Reply = {
      status: 502,
      body: '<html>Bad Gateway: token=abc</html>',
      headers: { 'content-type': 'text/html' },
    };
    const server = await serve([page, page, ok({ SecretString: 'ok' })]);
    const get = getSecretValueWith(client(SECRETS_MANAGER, server.endpoint));
    expect((await get({ SecretId: 'x' })).SecretString).toBe('ok');
    expect(server.received).toHaveLength(3);

    const once = await serve([page]);
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, once.endpoint, { maxAttempts: 1 }))({ SecretId: 'x' }),
    );
    expect(error.name).toBe('Http502');
    expect(error.$metadata.httpStatusCode).toBe(502);
    expect(error.message).not.toContain('token=abc');
  });

  it('refuses a 200 whose body is not a JSON object, once, instead of reading fields of it', async () => {
    const server = await serve([{ status: 200, body: 'null' }]);
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, server.endpoint))({ SecretId: 'x' }),
    );
    expect(error.name).toBe('SerializationError');
    expect(error.message).toBe(
      'Secrets Manager GetSecretValue: HTTP 200 with a body that is not a JSON object',
    );
    expect(server.received).toHaveLength(1);
  });

  it('names an SQS error by its prefixed __type and keeps the x-amzn-query-error code', async () => {
    const server = await serve([
      {
        status: 400,
        body: JSON.stringify({
          __type: 'com.amazonaws.sqs#QueueDoesNotExist',
          message: 'The specified queue does not exist.',
        }),
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender',
          'x-amzn-requestid': 'req-1',
        },
      },
    ]);
    const error = await failure(
      sendMessageBatchWith(client(SQS, server.endpoint))({ QueueUrl: 'https://q', Entries: [] }),
    );
    expect(error).toMatchObject({
      name: 'QueueDoesNotExist',
      queryErrorCode: 'AWS.SimpleQueueService.NonExistentQueue',
      $metadata: { httpStatusCode: 400, requestId: 'req-1', attempts: 1 },
      message:
        'SQS SendMessageBatch failed: QueueDoesNotExist (HTTP 400): The specified queue does not exist.',
    });
    expect(server.received[0]?.headers).toMatchObject({
      'x-amz-target': 'AmazonSQS.SendMessageBatch',
      'content-type': 'application/x-amz-json-1.0',
    });
  });

  it('keeps only the first line of a signature mismatch, not the canonical request with the session token', async () => {
    const token = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN';
    const server = await serve([
      {
        status: 403,
        body: JSON.stringify({
          __type: 'com.amazonaws.sqs#SignatureDoesNotMatch',
          message: `The request signature we calculated does not match the signature you provided.\n\nThe Canonical String for this request should have been\n'POST\n/\n\nhost:sqs.us-east-1.amazonaws.com\nx-amz-security-token:${token}\n'`,
        }),
      },
    ]);
    const error = await failure(
      sendMessageBatchWith(client(SQS, server.endpoint))({ QueueUrl: 'https://q', Entries: [] }),
    );
    expect(error.message).toBe(
      'SQS SendMessageBatch failed: SignatureDoesNotMatch (HTTP 403): The request signature we calculated does not match the signature you provided.',
    );
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(token);
  });

  it('prefers the x-amzn-errortype header, and strips a `:` suffix from the code', async () => {
    const server = await serve([
      {
        status: 400,
        body: JSON.stringify({ __type: 'Ignored' }),
        headers: { 'x-amzn-errortype': 'InvalidParameterException:http://internal.amazon.com/' },
      },
    ]);
    const error = await failure(
      getSecretValueWith(client(SECRETS_MANAGER, server.endpoint))({ SecretId: 'x' }),
    );
    expect(error.name).toBe('InvalidParameterException');
  });
});

describe('awsJsonClientFromEnv', () => {
  const base = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret' };

  it.each([
    [SQS, {}, 'https://sqs.eu-west-1.amazonaws.com/'],
    [SECRETS_MANAGER, {}, 'https://secretsmanager.eu-west-1.amazonaws.com/'],
    [DYNAMODB, {}, 'https://dynamodb.eu-west-1.amazonaws.com/'],
    [DYNAMODB, { AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000' }, 'http://127.0.0.1:8000/'],
    [SQS, { AWS_REGION: 'cn-north-1' }, 'https://sqs.cn-north-1.amazonaws.com.cn/'],
    [SQS, { AWS_ENDPOINT_URL: 'http://localhost:4566' }, 'http://localhost:4566/'],
    [
      SQS,
      { AWS_ENDPOINT_URL: 'http://localhost:4566', AWS_ENDPOINT_URL_SQS: 'http://localhost:9324' },
      'http://localhost:9324/',
    ],
    [
      SECRETS_MANAGER,
      { AWS_ENDPOINT_URL_SQS: 'http://localhost:9324' },
      'https://secretsmanager.eu-west-1.amazonaws.com/',
    ],
    [
      SECRETS_MANAGER,
      { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:1234' },
      'http://127.0.0.1:1234/',
    ],
    [
      SQS,
      { AWS_ENDPOINT_URL_SQS: 'http://localhost:9324', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      'https://sqs.eu-west-1.amazonaws.com/',
    ],
  ])('%o with %o calls %s', (service, env, endpoint) => {
    expect(awsJsonClientFromEnv(service, {}, { ...base, ...env }).endpoint.href).toBe(endpoint);
  });

  it('reads the environment on the first call, so building a handler needs no AWS settings', async () => {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      vi.stubEnv(name, undefined);
    }
    try {
      const send = sendMessageBatchFromEnv();
      await expect(send({ QueueUrl: 'https://q', Entries: [] })).rejects.toThrow(
        'cannot call SQS: AWS_REGION is not set; AWS_ACCESS_KEY_ID is not set; AWS_SECRET_ACCESS_KEY is not set',
      );
      await expect(getSecretValueFromEnv()({ SecretId: 'x' })).rejects.toBeInstanceOf(AwsConfigError);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('names every missing variable', () => {
    expect(() => awsJsonClientFromEnv(SQS, {}, {})).toThrow(
      new AwsConfigError(
        'cannot call SQS: AWS_REGION is not set; AWS_ACCESS_KEY_ID is not set; AWS_SECRET_ACCESS_KEY is not set',
      ),
    );
  });

  it('refuses FIPS and dual-stack endpoints instead of silently calling the standard host', () => {
    expect(() =>
      awsJsonClientFromEnv(SECRETS_MANAGER, {}, { ...base, AWS_USE_FIPS_ENDPOINT: 'true' }),
    ).toThrow('AWS_USE_FIPS_ENDPOINT is not supported here: set AWS_ENDPOINT_URL_SECRETS_MANAGER instead');
  });
});
