// The AWS worker enriches too (issue 18): on the real SQS wire protocol (local-aws-sqs) and
// DynamoDB state, with the local HCP Terraform API, a run's job is delivered with its counts, and
// a job `when` turns away after the enrichment is finished as skipped: deleted, never redriven
// or dead-lettered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqsJobQueue } from '../../lambda/adapters/aws/sqs-job-queue';
import { parseConfig } from '../../lambda/core/config/parse';
import { createJobs } from '../../lambda/core/receive/jobs';
import { classifyPayload } from '../../lambda/core/receive/payloads';
import { compileTemplates } from '../../lambda/core/render/templates';
import { buildTargets, createWorkerHandler } from '../../lambda/worker';
import { CaptureLogger } from '../support/capture-logger';
import { type DestinationServer, startDestination } from '../support/destination-server';
import { fixture } from '../support/fixtures';
import { readApiFixtureFile, startHcpTerraformServer } from '../support/hcp-terraform-server';
import { startDeliveryState } from '../support/local-dynamodb';
import {
  type FifoQueues,
  type LocalSqs,
  pollOnce,
  sendMessageBatchVia,
  startLocalSqs,
} from '../support/local-sqs';
import { MemorySecretStore } from '../support/memory-secret-store';

const TOKEN = 'atlasv1.worker-token';
let sqs: LocalSqs;
let queues: FifoQueues;
let delivery: Awaited<ReturnType<typeof startDeliveryState>>;
const open: Array<{ close(): Promise<void> }> = [];

beforeEach(async () => {
  delivery = await startDeliveryState();
  sqs = await startLocalSqs();
  queues = await sqs.createQueues('jobs');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
  await sqs.close();
  await delivery.close();
});

describe('worker enrichment (SQS)', () => {
  it('delivers with the enrichment, and finishes a job `when` turns away as skipped', async () => {
    const api = await startHcpTerraformServer({
      fixture: readApiFixtureFile('examples/hcp-api/run-errored.json'),
      token: TOKEN,
    });
    const slack: DestinationServer = await startDestination();
    open.push(api, slack);
    const config = parseConfig({
      routes: [
        {
          id: 'runs',
          allowUnsigned: true,
          allowInsecureHttp: true,
          enrich: { hcpTerraform: { token: { secretId: 'tfc' }, address: api.url } },
          destinations: [
            { id: 'slack', url: slack.url, template: { preset: 'slack' } },
            { id: 'nobody', url: slack.url, filter: { when: '$event.plan.add = 0' } },
          ],
        },
      ],
    });
    const logger = new CaptureLogger();
    const handler = createWorkerHandler({
      targets: buildTargets(config, compileTemplates(config)),
      sqs: sqs.bridge,
      queueUrl: queues.queueUrl,
      deadLetterQueueUrl: queues.dlqUrl,
      secrets: new MemorySecretStore({ tfc: TOKEN }),
      logger,
      state: delivery.state,
    });
    const body = fixture('tfe-run-errored');
    const destinations = config.routes[0]?.destinations ?? [];
    await new SqsJobQueue({
      sendMessageBatch: sendMessageBatchVia(sqs.endpoint),
      queueUrl: queues.queueUrl,
    }).enqueue(createJobs('runs', destinations, body, classifyPayload(JSON.parse(body)), new Date()));
    for (let n = 0; n < 2; n++) expect((await pollOnce(sqs, queues, handler, 1)).failed).toEqual([]);

    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]?.body).toContain('+2 ~1 -0');
    expect(logger.withMessage('delivery skipped')).toEqual([
      expect.objectContaining({
        destination: 'nobody',
        outcome: 'skipped',
        skipped: 'filter.when was not true',
      }),
    ]);
    expect(await sqs.receive(queues.queueUrl)).toEqual([]);
    expect(await sqs.receive(queues.dlqUrl)).toEqual([]);
    // Both jobs, one API read of the run.
    expect(api.requests.filter((r) => r.path === '/api/v2/runs/run-FwnENkvDnrpyFC7M')).toHaveLength(1);
  });
});
