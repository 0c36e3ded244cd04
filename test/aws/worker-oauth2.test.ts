// The worker Lambda handler with an oauth2 and signed destination: SQS events from the SQS
// emulator, secrets from Secrets Manager (emulated), tokens from a real OAuth2 server
// (oauth2-mock-server), and a real destination that checks the token and the Standard Webhooks
// signature. One token serves every record of the container; a refused client dead-letters.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { parseConfig } from '../../lambda/core/config/parse';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  sendMessageBatchVia,
  startLocalSqs,
} from '../support/local-sqs';
import { startOAuth2Server, type TestOAuth2Server } from '../support/oauth2-server';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const CLIENT_SECRET = 'worker-oauth2-client-secret-7e7e7e';
const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
const PAYLOADS = ['tfe-run-errored', 'tfe-run-completed-captured', 'tfe-run-planning-captured'];

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let oauth2: TestOAuth2Server;
let logger: CaptureLogger;
let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
const open: Array<{ close(): Promise<void> }> = [];

beforeEach(async () => {
  delivery = await startDeliveryState();
  [sqs, sm, oauth2] = await Promise.all([
    startLocalSqs(),
    startSecretsManager(),
    startOAuth2Server({ id: 'worker', secret: CLIENT_SECRET }),
  ]);
  queues = await sqs.createQueues('jobs');
  sm.setSecret('tfe-bridge/oauth', CLIENT_SECRET);
  sm.setSecret('tfe-bridge/whsec', WHSEC);
  logger = new CaptureLogger();
});
afterEach(async () => {
  await delivery.close();
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  await Promise.all([sm.close(), sqs.close(), oauth2.close()]);
});

async function verifyingDestination(): Promise<DestinationServer> {
  const server = await startDestination((request) => {
    const token = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!oauth2.issued.includes(token)) return { status: 401 };
    try {
      new Webhook(WHSEC).verify(request.body, request.headers as Record<string, string>);
      return { status: 200 };
    } catch {
      return { status: 400 };
    }
  });
  open.push(server);
  return server;
}

async function enqueueAll(apiUrl: string) {
  const config = parseConfig({
    routes: [
      {
        id: 'runs',
        signingSecret: { secretId: 'tfe-bridge/hmac' },
        allowInsecureHttp: true,
        destinations: [
          {
            id: 'api',
            url: `${apiUrl}/events`,
            auth: {
              type: 'oauth2',
              tokenUrl: oauth2.tokenUrl,
              clientId: 'worker',
              clientSecret: { secretId: 'tfe-bridge/oauth' },
            },
            sign: { scheme: 'standard-webhooks', secret: { secretId: 'tfe-bridge/whsec' } },
            ordering: 'none',
          },
        ],
      },
    ],
  });
  const handler = workerFor({ config, sqs, queues, sm, logger, state: delivery.state, random: () => 1 });
  const queue = new SqsJobQueue({
    sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
    queueUrl: queues.queueUrl,
  });
  const destination = config.routes[0]?.destinations ?? [];
  for (const name of PAYLOADS) {
    const body = fixture(name);
    await queue.enqueue(createJobs('runs', destination, body, classifyPayload(JSON.parse(body)), new Date()));
  }
  return handler;
}

describe('worker with an oauth2 and signed destination', () => {
  it('fetches one token for every record of the container, and every request verifies', async () => {
    const api = await verifyingDestination();
    const handler = await enqueueAll(api.url);
    // One record per invocation, as the stack's event source delivers them.
    for (let i = 0; i < PAYLOADS.length; i++) {
      const { response } = await pollOnce(sqs, queues, handler, 1);
      expect(response.batchItemFailures).toEqual([]);
    }
    expect(api.received.map((r) => r.headers.authorization)).toEqual(
      Array(3).fill(`Bearer ${oauth2.issued[0]}`),
    );
    expect(oauth2.requests).toHaveLength(1);
    expect(logger.text()).not.toContain(oauth2.issued[0]);
    expect(logger.text()).not.toContain(CLIENT_SECRET);
  });

  it('dead-letters with reason auth_failed when the token endpoint refuses the client', async () => {
    oauth2.client = { id: 'worker', secret: 'something-else' };
    const api = await verifyingDestination();
    const handler = await enqueueAll(api.url);
    const { response } = await pollOnce(sqs, queues, handler, 1);
    expect(response.batchItemFailures).toEqual([]);
    const [letter] = await sqs.receive(queues.dlqUrl);
    expect(letter?.MessageAttributes?.reason?.StringValue).toBe('auth_failed');
    expect(letter?.MessageAttributes?.lastError?.StringValue).toContain('HTTP 401 invalid_client');
    expect(api.received).toEqual([]);
  });
});
