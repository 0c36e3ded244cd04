// A run's whole life through each runtime's live-message path: the local runner (SQLite store's
// live_messages) and the AWS worker (SQS emulator, live messages in DynamoDB on dynalite). Both
// must send the same Slack Web API calls and leave the same single message.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsEndpointResolver } from '../../lambda/adapters/aws/aws-endpoints';
import { createAwsRequestSigner } from '../../lambda/adapters/aws/aws-request-signer';
import { DynamoDbLiveMessages } from '../../lambda/adapters/aws/dynamodb-live-messages';
import { sdkCredentialChain } from '../../lambda/adapters/aws/sdk-credential-chain';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { DeliveryRunner } from '../../lambda/adapters/local/delivery-runner';
import { LocalStore } from '../../lambda/adapters/local/local-store';
import { laneOf } from '../../lambda/adapters/local/store-queue';
import { createTlsFetch } from '../../lambda/adapters/tls-fetch';
import { parseConfig } from '../../lambda/core/config/parse';
import type { DeliveryJob } from '../../lambda/core/contract';
import { buildTargets } from '../../lambda/core/deliver/request';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { compileTemplates } from '../../lambda/core/render/templates';
import { createWorkerHandler } from '../../lambda/worker';
import { CaptureLogger } from '../support/capture-logger';
import { startDeliveryState, startLocalDynamoDb } from '../support/local-dynamodb';
import { pollOnce, sendMessageBatchVia, startLocalSqs } from '../support/local-sqs';
import { MemorySecretStore } from '../support/memory-secret-store';
import { runLife } from '../support/run-life';
import { SLACK_CHANNEL_ID, type SlackWebApi, startSlackWebApi } from '../support/slack-web-api-server';

const TOKEN = 'xoxb-7777-parity-live-token-000001';
type Config = ReturnType<typeof parseConfig>;

interface Runtime {
  /** Delivers the jobs one after the other, as their group orders them. */
  deliver(jobs: DeliveryJob[]): Promise<void>;
  close(): Promise<void>;
}

async function localRuntime(config: Config): Promise<Runtime> {
  const store = LocalStore.open(join(mkdtempSync(join(tmpdir(), 'tfe-bridge-live-parity-')), 'bridge.db'));
  const runner = new DeliveryRunner({
    store,
    targets: buildTargets(config, compileTemplates(config)),
    deps: {
      secrets: new MemorySecretStore({ bot: TOKEN }),
      fetch: globalThis.fetch,
      signAws: createAwsRequestSigner({ credentials: sdkCredentialChain() }),
      awsEndpoint: createAwsEndpointResolver(),
      fetchTls: createTlsFetch(),
      logger: new CaptureLogger(),
      liveMessages: store.liveMessages,
    },
  });
  return {
    async deliver(jobs) {
      store.jobs.accept(
        jobs.map((job) => [job]),
        { laneOf, now: Date.now(), dedupWindowMs: 0 },
      );
      for (const job of jobs) await runner.runOnce(laneOf(job));
    },
    async close() {
      store.close();
    },
  };
}

async function awsRuntime(config: Config): Promise<Runtime> {
  const sqs = await startLocalSqs();
  const queues = await sqs.createQueues('live-parity');
  const delivery = await startDeliveryState();
  const dynamo = await startLocalDynamoDb();
  const liveTable = await dynamo.createReplayTable('live-messages');
  const worker = createWorkerHandler({
    targets: buildTargets(config, compileTemplates(config)),
    sqs: sqs.bridge,
    queueUrl: queues.queueUrl,
    deadLetterQueueUrl: queues.dlqUrl,
    state: delivery.state,
    liveMessages: new DynamoDbLiveMessages({ tableName: liveTable, client: dynamo.bridge }),
    secrets: new MemorySecretStore({ bot: TOKEN }),
    logger: new CaptureLogger(),
  });
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  return {
    async deliver(jobs) {
      await queue.enqueue(jobs);
      // Batch size 1, as infra sets it: the FIFO group hands them over in order.
      for (let delivered = 0; delivered < jobs.length; ) {
        const { event, failed } = await pollOnce(sqs, queues, worker, 1);
        delivered += event.Records.length - failed.length;
      }
    },
    async close() {
      await dynamo.close();
      await delivery.close();
      await sqs.close();
    },
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});

async function runThrough(
  start: (config: Config) => Promise<Runtime>,
  thread: boolean,
): Promise<SlackWebApi> {
  const api = await startSlackWebApi({ token: TOKEN });
  open.push(api);
  const destination = {
    id: 'chat',
    url: api.url,
    auth: { type: 'bearer', secret: { secretId: 'bot' } },
    template: { preset: 'slack' },
    live: { channel: SLACK_CHANNEL_ID, thread },
  };
  const config = parseConfig({
    routes: [{ id: 'runs', allowUnsigned: true, allowInsecureHttp: true, destinations: [destination] }],
  });
  const runtime = await start(config);
  open.push(runtime);
  const target = config.routes[0]?.destinations[0];
  if (!target) throw new Error('no destination');
  const jobs = runLife().flatMap((body) =>
    createJobs('runs', [target], body, classifyPayload(JSON.parse(body)), new Date()),
  );
  // One message group for the whole run: its workspace's, at this destination.
  expect(new Set(jobs.map((job) => job.group)).size).toBe(1);
  await runtime.deliver(jobs);
  return api;
}

describe.each([false, true])('live message parity (thread: %s)', (thread) => {
  it('local and AWS send the same calls and leave the same messages', async () => {
    const local = await runThrough(localRuntime, thread);
    const aws = await runThrough(awsRuntime, thread);
    const calls = (api: SlackWebApi) => api.calls.map(({ method, body }) => ({ method, body }));
    expect(calls(aws)).toEqual(calls(local));
    expect(aws.messages()).toEqual(local.messages());
    expect(local.messages()).toHaveLength(thread ? 5 : 1);
    expect(local.messages()[0]?.text).toContain('Run Errored');
  });
});
