// SigV4 on node:crypto against AWS's published test vectors and against the SDK's own signer
// (@smithy/signature-v4) for the requests the receiver makes.
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AwsCredentials, amzDate, signRequest } from '../../lambda/adapters/aws/sigv4';
import { NodeSha256 } from '../support/node-sha256';

interface Case {
  method?: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  credentials: AwsCredentials;
  region: string;
  service: string;
  date: Date;
}

/** What the SDK's signer puts in Authorization for the same request (no x-amz-content-sha256). */
async function smithyAuthorization(c: Case): Promise<string> {
  const url = new URL(c.url);
  const { sessionToken, ...keys } = c.credentials;
  const signer = new SignatureV4({
    credentials: sessionToken === undefined ? keys : { ...keys, sessionToken },
    region: c.region,
    service: c.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: c.method ?? 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, ...c.headers },
      body: c.body,
    },
    { signingDate: c.date },
  );
  return String(signed.headers.authorization);
}

const ours = (c: Case) =>
  signRequest(
    { method: c.method ?? 'POST', url: new URL(c.url), headers: c.headers, body: c.body },
    { credentials: c.credentials, region: c.region, service: c.service, date: c.date },
  );

// AWS's SigV4 test suite: https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html
// (the same vectors live in awslabs/aws-c-auth tests/aws-signing-test-suite/v4).
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  date: new Date('2015-08-30T12:36:00Z'),
};
const SCOPE = 'AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

describe('signRequest', () => {
  it.each([
    {
      vector: 'get-vanilla',
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: '',
      signedHeaders: 'host;x-amz-date',
      signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    },
    {
      vector: 'get-vanilla-query-order-key-case',
      method: 'GET',
      url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1',
      headers: {},
      body: '',
      signedHeaders: 'host;x-amz-date',
      signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    },
    {
      vector: 'get-utf8',
      method: 'GET',
      url: 'https://example.amazonaws.com/ሴ',
      headers: {},
      body: '',
      signedHeaders: 'host;x-amz-date',
      signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
    },
    {
      vector: 'post-vanilla',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: '',
      signedHeaders: 'host;x-amz-date',
      signature: '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    },
    {
      vector: 'post-x-www-form-urlencoded (2015 suite)',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
      signedHeaders: 'content-type;host;x-amz-date',
      signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    },
    {
      vector: 'post-x-www-form-urlencoded (aws-c-auth suite)',
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': '13',
        'x-amz-content-sha256': '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
      },
      body: 'Param1=value1',
      signedHeaders: 'content-length;content-type;host;x-amz-content-sha256;x-amz-date',
      signature: 'd3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b',
    },
  ])('reproduces AWS test vector $vector', ({ method, url, headers, body, signedHeaders, signature }) => {
    const added = ours({ ...SUITE, method, url, headers, body });
    expect(added).toEqual({
      'x-amz-date': '20150830T123600Z',
      authorization: `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    });
  });

  it('reproduces AWS test vector get-vanilla-with-session-token, signing the token header', () => {
    const token = '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267';
    const added = ours({
      ...SUITE,
      credentials: { ...SUITE.credentials, sessionToken: token },
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: '',
    });
    expect(added).toEqual({
      'x-amz-date': '20150830T123600Z',
      'x-amz-security-token': token,
      authorization: `AWS4-HMAC-SHA256 Credential=${SCOPE}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8`,
    });
  });

  const sqsBatch = JSON.stringify({
    QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/tfe-bridge-jobs.fifo',
    Entries: [
      {
        Id: 'job-0',
        MessageBody: '{"run_message":"Déploiement échoué ✗ — 日本語 🚀"}',
        MessageGroupId: 'runs/slack',
        MessageDeduplicationId: 'a'.repeat(64),
      },
    ],
  });

  it.each<[string, Case]>([
    [
      'SQS SendMessageBatch with a non-ASCII body',
      {
        url: 'https://sqs.us-east-1.amazonaws.com/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AmazonSQS.SendMessageBatch',
        },
        body: sqsBatch,
        credentials: { accessKeyId: 'AKIAEXAMPLE0000000', secretAccessKey: 'secret/with+chars=' },
        region: 'us-east-1',
        service: 'sqs',
        date: new Date('2026-11-24T23:59:59.999Z'),
      },
    ],
    [
      'Secrets Manager GetSecretValue with a session token (Lambda role credentials)',
      {
        url: 'https://secretsmanager.eu-west-1.amazonaws.com/',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'secretsmanager.GetSecretValue',
        },
        body: JSON.stringify({ SecretId: 'tfe-bridge/hmac', VersionStage: 'AWSPREVIOUS' }),
        credentials: {
          accessKeyId: 'ASIAEXAMPLE0000000',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
          sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==',
        },
        region: 'eu-west-1',
        service: 'secretsmanager',
        date: new Date('2026-01-01T00:00:00Z'),
      },
    ],
    [
      'a local endpoint with a port (the host header carries it)',
      {
        url: 'http://127.0.0.1:4566/',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'AmazonSQS.SendMessageBatch',
        },
        body: sqsBatch,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test', sessionToken: 'test' },
        region: 'us-east-1',
        service: 'sqs',
        date: new Date('2026-11-24T12:00:00Z'),
      },
    ],
  ])('signs %s exactly as @smithy/signature-v4 does', async (_, c) => {
    const added = ours(c);
    expect(added.authorization).toBe(await smithyAuthorization(c));
    expect(added['x-amz-date']).toBe(amzDate(c.date));
    expect(added['x-amz-security-token']).toBe(c.credentials.sessionToken);
  });

  it('agrees with @smithy/signature-v4 on arbitrary bodies, header values, dates, keys and regions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.option(fc.string({ minLength: 1, maxLength: 60 }), { nil: undefined }),
        fc.constantFrom('us-east-1', 'eu-central-1', 'ap-southeast-2', 'cn-north-1'),
        fc.constantFrom('sqs', 'secretsmanager'),
        async (body, target, date, secretAccessKey, sessionToken, region, service) => {
          const c: Case = {
            url: `https://${service}.${region}.amazonaws.com/`,
            headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
            body,
            credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey, sessionToken },
            region,
            service,
            date,
          };
          expect(ours(c).authorization).toBe(await smithyAuthorization(c));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('changes the signature when the body, the target or the date changes', () => {
    const base: Case = {
      url: 'https://sqs.us-east-1.amazonaws.com/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' },
      body: '{}',
      credentials: SUITE.credentials,
      region: 'us-east-1',
      service: 'sqs',
      date: SUITE.date,
    };
    const signatures = new Set(
      [
        base,
        { ...base, body: '{ }' },
        { ...base, headers: { ...base.headers, 'x-amz-target': 'AmazonSQS.SendMessage' } },
        { ...base, date: new Date(SUITE.date.getTime() + 1000) },
      ].map((c) => ours(c).authorization),
    );
    expect(signatures.size).toBe(4);
  });
});
