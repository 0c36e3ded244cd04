// The deployed handlers write their metrics as CloudWatch Embedded Metric Format lines on stdout
// at the end of every invocation: the receiver and worker run for real (env configuration, SQS
// and Secrets Manager over their wire protocols, destinations on 127.0.0.1), and the EMF lines
// they print are parsed and summed.
import { afterAll, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { METRICS, METRICS_NAMESPACE } from '../../lambda/core/metric-names';
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { handler as receiverHandler } from '../../lambda/receiver';
import { handler as workerHandler } from '../../lambda/worker';
import { bakedConfigJson } from '../support/baked-config';
import {
  answer,
  type DestinationServer,
  failTimes,
  requireBearer,
  startDestination,
} from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { lambdaContext, replaceEnv, stdoutJsonLines } from '../support/lambda-runtime';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';
import {
  type FifoQueues,
  functionUrlEvent,
  type LocalSqs,
  pollOnce,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const HMAC = 'emf-signing-token-0001';
const TOKEN = 'emf-bearer-token-00000000000000000001';
const SERVICE = 'TfeBridgeTest';
const ENV = {
  TFE_BRIDGE_CONFIG_JSON: undefined,
  QUEUE_URL: undefined,
  DEAD_LETTER_QUEUE_URL: undefined,
  DELIVERY_STATE_TABLE: undefined,
  AWS_ENDPOINT_URL_DYNAMODB: undefined,
  SECRET_CACHE_TTL_MS: undefined,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_ENDPOINT_URL_SQS: undefined,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: undefined,
  POWERTOOLS_DEV: undefined,
  POWERTOOLS_METRICS_DISABLED: undefined,
  POWERTOOLS_METRICS_NAMESPACE: undefined,
  POWERTOOLS_SERVICE_NAME: SERVICE,
} as Record<string, string | undefined>;

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let dynamo: LocalDynamoDb;
let destinations: DestinationServer[];
let restoreEnv: () => void;
let stdout: MockInstance<typeof process.stdout.write>;

/** Every EMF document printed since the test began (log lines are skipped). */
function emfLines(): EmfLine[] {
  return stdoutJsonLines(stdout).filter((line): line is EmfLine => '_aws' in line);
}

/** Sum of a metric's values over the documents whose dimensions have exactly these values. */
function sum(lines: EmfLine[], name: string, dimensions: Record<string, string>): number {
  let total = 0;
  for (const line of lines) {
    if (!line._aws.CloudWatchMetrics[0]?.Metrics.some((m) => m.Name === name)) continue;
    if (!Object.entries(dimensions).every(([key, value]) => line[key] === value)) continue;
    const value = line[name] as number | number[];
    total += Array.isArray(value) ? value.reduce((a, b) => a + b, 0) : value;
  }
  return total;
}

// The exported handlers build their dependencies once per module (as on Lambda), so every test
// in this file shares one set of local services.
beforeAll(async () => {
  [sqs, sm, dynamo] = await Promise.all([startLocalSqs(), startSecretsManager(), startLocalDynamoDb()]);
  destinations = await Promise.all([
    startDestination(requireBearer(() => TOKEN)),
    startDestination(failTimes(1, 503)),
    startDestination(answer(400)),
  ]);
  const [api, flaky, broken] = destinations as [DestinationServer, DestinationServer, DestinationServer];
  queues = await sqs.createQueues('emf');
  sm.setSecret('tfe-bridge/hmac', HMAC);
  sm.setSecret('tfe-bridge/api-token', TOKEN);
  restoreEnv = replaceEnv(ENV);
  Object.assign(process.env, {
    TFE_BRIDGE_CONFIG_JSON: bakedConfigJson({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'tfe-bridge/hmac' },
          allowInsecureHttp: true,
          destinations: [
            {
              id: 'api',
              url: `${api.url}/hook`,
              auth: { type: 'bearer', secret: { secretId: 'tfe-bridge/api-token' } },
            },
            { id: 'flaky', url: flaky.url },
            { id: 'broken', url: broken.url },
          ],
        },
      ],
    }),
    QUEUE_URL: queues.queueUrl,
    DEAD_LETTER_QUEUE_URL: queues.dlqUrl,
    DELIVERY_STATE_TABLE: await dynamo.createStateTable('delivery-state'),
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
  });
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
// One spy for the whole file: Powertools' logger keeps the stream's write function it first saw.
beforeEach(() => {
  stdout.mockClear();
});
afterAll(async () => {
  stdout.mockRestore();
  restoreEnv();
  await Promise.all([...destinations.map((d) => d.close()), sm.close(), dynamo.close()]);
  await sqs.close();
});

const receive = (path: string, body: string, secret = HMAC) =>
  receiverHandler(
    functionUrlEvent({
      path,
      body,
      headers: { 'content-type': 'application/json', [TFE_SIGNATURE_HEADER]: signBody(body, secret) },
    }),
    lambdaContext('tfe-bridge-receiver'),
  );

describe('EMF metrics from the deployed handlers', () => {
  it('publish received, deliveries, latency and secret cache metrics at the end of each invocation', async () => {
    expect(await receive('/hooks/runs', fixture('tfe-run-errored'))).toMatchObject({ statusCode: 202 });
    // Published by the end of the invocation, before any other handler runs.
    expect(sum(emfLines(), 'received', { route: 'runs', result: 'accepted' })).toBe(1);

    expect(await receive('/hooks/runs', fixture('tfe-verification'))).toMatchObject({ statusCode: 200 });
    expect(await receive('/hooks/runs', fixture('tfe-run-errored'), 'wrong')).toMatchObject({
      statusCode: 401,
    });
    expect(await receive('/hooks/elsewhere', fixture('tfe-run-errored'))).toMatchObject({ statusCode: 404 });

    const { failed } = await pollOnce(sqs, queues, (event) =>
      workerHandler(event, lambdaContext('tfe-bridge-worker')),
    );
    expect(failed).toHaveLength(1);

    const lines = emfLines();
    const received = (route: string, result: string) => sum(lines, 'received', { route, result });
    expect(received('runs', 'accepted')).toBe(1);
    expect(received('runs', 'verified')).toBe(1);
    expect(received('runs', 'rejected_signature')).toBe(1);
    expect(received('-', 'not_found')).toBe(1);

    const deliveries = (destination: string, outcome: string) =>
      sum(lines, 'deliveries', { route: 'runs', destination, outcome });
    expect(deliveries('api', 'delivered')).toBe(1);
    expect(deliveries('flaky', 'retried')).toBe(1);
    expect(deliveries('broken', 'dead_lettered')).toBe(1);
    expect(sum(lines, 'deliveries', {})).toBe(3);

    const latencies = lines
      .filter((line) => line.destination === 'api' && 'delivery_latency' in line)
      .map((line) => line.delivery_latency);
    expect(latencies).toHaveLength(1);
    expect(latencies[0]).toBeGreaterThan(0);

    // Receiver: the signing secret is fetched once, then served from the cache, and re-read once
    // when a signature matches no cached key (it may have just been rotated); worker: the token once.
    expect(sum(lines, 'secret_cache', { result: 'miss' })).toBe(3);
    expect(sum(lines, 'secret_cache', { result: 'hit' })).toBe(2);
  });

  it('writes documents CloudWatch accepts: namespace, units, every dimension set with its values', async () => {
    // The public Function URL has no /metrics route: metrics leave through the logs only.
    const scrape = functionUrlEvent({ path: '/metrics', method: 'GET' });
    expect(await receiverHandler(scrape, lambdaContext('tfe-bridge-receiver'))).toMatchObject({
      statusCode: 404,
    });
    await receive('/hooks/runs', fixture('tfe-run-errored'));
    await pollOnce(sqs, queues, (event) => workerHandler(event, lambdaContext('tfe-bridge-worker')));

    const lines = emfLines();
    expect(new Set(lines.flatMap((l) => l._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)))).toEqual(
      new Set(['received', 'secret_cache', 'deliveries', 'delivery_latency']),
    );
    for (const line of lines) {
      const [directive, ...more] = line._aws.CloudWatchMetrics;
      expect(more).toEqual([]);
      expect(Number.isInteger(line._aws.Timestamp)).toBe(true);
      expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
      const [metric, ...others] = directive?.Metrics ?? [];
      expect(others).toEqual([]);
      const name = metric?.Name as keyof typeof METRICS;
      const definition = METRICS[name];
      expect(metric?.Unit).toBe(definition.kind === 'counter' ? 'Count' : 'Milliseconds');
      // The full label set and each rollup, all with the stack's service dimension.
      const expected = [definition.labels, ...definition.rollups].map((set) => [...set, 'service'].sort());
      expect(directive?.Dimensions.map((set) => [...set].sort())).toEqual(expected);
      expect(line.service).toBe(SERVICE);
      for (const key of definition.labels) expect(typeof line[key]).toBe('string');
      expect(line[name]).toBeDefined();
    }
  });
});
