// End to end, AWS side, offline: a Function URL event into the receiver handler, the job through
// the SQS emulator, an SQS event into the worker handler, and a real destination that demands
// the bearer token from Secrets Manager (fake, real protocol).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/core/config/parse';
import { signBody, TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { receiverFor, workerFor } from '../support/aws-handlers';
import { CaptureLogger } from '../support/capture-logger';
import { type DestinationServer, requireBearer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  functionUrlEvent,
  type LocalSqs,
  pollOnce,
  startLocalSqs,
} from '../support/local-sqs';
import { type SecretsManagerServer, startSecretsManager } from '../support/secrets-manager-server';

const HMAC = 'e2e-signing-token-0001';
const TOKEN = 'bfa620013597e9c30c179037ad74527a4956a561';

let sqs: LocalSqs;
let queues: FifoQueues;
let sm: SecretsManagerServer;
let api: DestinationServer;

let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
beforeEach(async () => {
  delivery = await startDeliveryState();
  [sqs, sm, api] = await Promise.all([
    startLocalSqs(),
    startSecretsManager(),
    startDestination(requireBearer(() => TOKEN)),
  ]);
  queues = await sqs.createQueues('bridge');
  sm.setSecret('tfe-bridge/prod-runs-hmac', HMAC);
  sm.setSecret('tfe-bridge/callback', JSON.stringify({ token: TOKEN }));
});
afterEach(async () => {
  await delivery.close();
  await Promise.all([api.close(), sm.close()]);
  await sqs.close();
});

describe('AWS bridge, end to end (receiver → SQS FIFO → worker → destination)', () => {
  it('forwards the exact captured bytes with the bearer token the destination requires', async () => {
    const config = parseConfig({
      routes: [
        {
          id: 'prod-runs',
          signingSecret: { secretId: 'tfe-bridge/prod-runs-hmac' },
          allowInsecureHttp: true,
          destinations: [
            {
              id: 'callback',
              url: `${api.url}/v1/api/callback/1122334455/callback`,
              auth: { type: 'bearer', secret: { secretId: 'tfe-bridge/callback', jsonKey: 'token' } },
              template: { preset: 'passthrough' },
              filter: { triggers: ['run:completed', 'run:errored'] },
            },
          ],
        },
      ],
    });
    const logger = new CaptureLogger();
    // Receiver and worker are separate Lambdas: separate clients and secret caches.
    const receiver = receiverFor({ config, sqs, queues, sm, logger });
    const worker = workerFor({ config, sqs, queues, sm, logger, state: delivery.state });

    const body = fixture('tfe-run-completed-captured');
    const response = await receiver(
      functionUrlEvent({
        path: '/hooks/prod-runs',
        body,
        headers: { 'Content-Type': 'application/json', 'X-TFE-Notification-Signature': signBody(body, HMAC) },
      }),
    );
    expect(response).toMatchObject({ statusCode: 202 });
    expect(typeof response === 'string' ? response : JSON.parse(response.body ?? '')).toEqual({
      accepted: ['callback'],
    });
    // Nothing is delivered before the worker runs: the receiver only stores.
    expect(api.received).toEqual([]);

    const { event, failed } = await pollOnce(sqs, queues, worker);
    expect(event.Records).toHaveLength(1);
    expect(failed).toEqual([]);

    expect(api.received).toHaveLength(1);
    const [delivered] = api.received;
    expect(delivered?.path).toBe('/v1/api/callback/1122334455/callback');
    expect(delivered?.body).toBe(body);
    expect(delivered?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(delivered?.headers['content-type']).toBe('application/json');
    expect(delivered?.headers[TFE_SIGNATURE_HEADER]).toBeUndefined();

    // Handled completely: nothing left on either queue, nothing secret in the logs.
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
    expect(await sqs.receive(queues.dlqUrl)).toEqual([]);
    expect(logger.text()).not.toContain(TOKEN);
    expect(logger.text()).not.toContain(HMAC);
  });
});
