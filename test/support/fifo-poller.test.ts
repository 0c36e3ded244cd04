// The FIFO poller against local-aws-sqs with trivial handlers: the group lock and order, the
// concurrency cap, visibility and redrive as SQS counts them, a faked clock, crashes.
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Crash, type FifoPoller, type SqsHandler, startFifoPoller } from './fifo-poller';
import { type FifoQueues, type LocalSqs, startLocalSqs } from './local-sqs';

let sqs: LocalSqs;
let queueNumber = 0;
const pollers: FifoPoller[] = [];

beforeAll(async () => {
  sqs = await startLocalSqs();
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  vi.useRealTimers();
});
afterAll(async () => {
  await sqs.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ok: SQSBatchResponse = { batchItemFailures: [] };
const fail = (...records: SQSRecord[]): SQSBatchResponse => ({
  batchItemFailures: records.map((r) => ({ itemIdentifier: r.messageId })),
});
const groupOf = (record: SQSRecord) => record.attributes.MessageGroupId ?? '';

/** A fresh queue with `bodies` sent in this order, each in the group named by its first letter. */
async function queueWith(bodies: string[], options?: Parameters<LocalSqs['createQueues']>[1]) {
  const queues = await sqs.createQueues(`poller-${++queueNumber}`, options);
  for (const body of bodies) {
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: queues.queueUrl,
        MessageBody: body,
        MessageGroupId: body.slice(0, 1),
        MessageDeduplicationId: body,
      }),
    );
  }
  return queues;
}

async function start(
  queues: FifoQueues,
  handlers: SqsHandler[],
  options: { batchSize?: number; maxConcurrency?: number; crash?: (e: SQSEvent) => Crash | undefined } = {},
) {
  const poller = await startFifoPoller({ sqs, queues, handlers, ...options });
  pollers.push(poller);
  return poller;
}

const setVisibility = (queues: FifoQueues, record: SQSRecord, seconds: number) =>
  sqs.client.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queues.queueUrl,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );

const fakeClock = () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  return { t0: Date.now(), advanceClock: (to: number) => vi.setSystemTime(to) };
};

describe('startFifoPoller', () => {
  it.each([1, 3])(
    'never has two messages of a group in flight and keeps their order (batch %i)',
    async (batchSize) => {
      const sent = Array.from({ length: 6 }, (_, i) => ['a', 'b', 'c'].map((g) => `${g}${i}`)).flat();
      const queues = await queueWith(sent);
      const inFlight = new Map<string, number>();
      let mostOfOneGroup = 0;
      const handled: string[] = [];
      const counts = new Set<string>();
      const handlers = Array.from(
        { length: 4 },
        (): SqsHandler => async (event) => {
          for (const group of new Set(event.Records.map(groupOf))) {
            inFlight.set(group, (inFlight.get(group) ?? 0) + 1);
            mostOfOneGroup = Math.max(mostOfOneGroup, inFlight.get(group) ?? 0);
          }
          // Uneven durations, so a group's next message would overtake if it were handed out.
          await sleep(2 + ((event.Records[0]?.body.charCodeAt(1) ?? 0) % 4) * 5);
          for (const group of new Set(event.Records.map(groupOf)))
            inFlight.set(group, (inFlight.get(group) ?? 1) - 1);
          for (const record of event.Records) {
            handled.push(record.body);
            counts.add(record.attributes.ApproximateReceiveCount);
          }
          return ok;
        },
      );
      const poller = await start(queues, handlers, { batchSize, maxConcurrency: 4 });
      await poller.drain();

      expect(mostOfOneGroup).toBe(1);
      for (const group of ['a', 'b', 'c']) {
        expect(handled.filter((b) => b.startsWith(group))).toEqual(sent.filter((b) => b.startsWith(group)));
      }
      expect(handled).toHaveLength(sent.length);
      // Held back behind its group, a message is not received: every one was received once.
      expect([...counts]).toEqual(['1']);
      expect(poller.stats.maxInFlight).toBeGreaterThan(1);
    },
  );

  it('runs groups in parallel up to maxConcurrency, spread over the containers', async () => {
    const queues = await queueWith(Array.from({ length: 16 }, (_, i) => `${'abcdefgh'[i % 8]}${i}`));
    let inFlight = 0;
    let most = 0;
    let threeIn: () => void = () => undefined;
    const allThree = new Promise<void>((resolve) => {
      threeIn = resolve;
    });
    const used = new Set<number>();
    const handlers = Array.from(
      { length: 8 },
      (_, container): SqsHandler =>
        async () => {
          used.add(container);
          inFlight++;
          most = Math.max(most, inFlight);
          if (inFlight === 3) threeIn();
          // The first three wait for each other: a poller without parallelism never gets past this.
          await allThree;
          await sleep(2);
          inFlight--;
          return ok;
        },
    );
    const poller = await start(queues, handlers, { maxConcurrency: 3 });
    await poller.drain({ timeoutMs: 10_000 });

    expect(most).toBe(3);
    expect(poller.stats).toMatchObject({ invocations: 16, maxInFlight: 3 });
    expect(used.size).toBe(8);
  });

  it('refuses a concurrency above its containers', async () => {
    const queues = await queueWith([]);
    await expect(start(queues, [async () => ok], { maxConcurrency: 2 })).rejects.toThrow(/one per container/);
  });

  it("brings a failed record back after its visibility, the handler's or the queue's", async () => {
    const { t0, advanceClock } = fakeClock();
    const queues = await queueWith(['a1', 'a2', 'b1'], { visibilityTimeout: 30 });
    const seen: Array<[string, string, number]> = [];
    const handler: SqsHandler = async ({ Records: [record] }) => {
      if (!record) return ok;
      const receives = record.attributes.ApproximateReceiveCount;
      seen.push([record.body, receives, Date.now() - t0]);
      if (receives !== '1' || record.body === 'a2') return ok;
      // a1 is left at the queue's 30 s; b1 asks for 5 s, as the worker does for a retry.
      if (record.body === 'b1') await setVisibility(queues, record, 5);
      return fail(record);
    };
    const poller = await start(queues, [handler, handler]);
    await poller.drain({ advanceClock });

    const of = (group: string) => seen.filter(([body]) => body.startsWith(group));
    expect(of('a')).toEqual([
      ['a1', '1', 0],
      ['a1', '2', 30_000],
      ['a2', '1', 30_000],
    ]);
    expect(of('b')).toEqual([
      ['b1', '1', 0],
      ['b1', '2', 5_000],
    ]);
  });

  it('lets a faked clock pass a 30-minute visibility at once', async () => {
    const { t0, advanceClock } = fakeClock();
    const queues = await queueWith(['a1']);
    const seen: number[] = [];
    const handler: SqsHandler = async ({ Records: [record] }) => {
      if (!record) return ok;
      seen.push(Date.now() - t0);
      if (seen.length > 1) return ok;
      await setVisibility(queues, record, 1_800);
      return fail(record);
    };
    const poller = await start(queues, [handler, handler]);
    await poller.drain({ advanceClock, timeoutMs: 10_000 });

    expect(seen).toEqual([0, 1_800_000]);
  });

  it('redrives after maxReceiveCount receives, counting visibility changes as SQS does (not at all)', async () => {
    const queues = await queueWith(['p1', 'p2'], { maxReceiveCount: 3 });
    const seen: string[] = [];
    const handler: SqsHandler = async ({ Records: [record] }) => {
      if (!record) return ok;
      seen.push(`${record.body}:${record.attributes.ApproximateReceiveCount}`);
      if (record.body === 'p2') return ok;
      // A retry right away, as the worker schedules one: the emulator alone would count it.
      await setVisibility(queues, record, 0);
      return fail(record);
    };
    const poller = await start(queues, [handler, handler]);
    await poller.drain();

    expect(seen).toEqual(['p1:1', 'p1:2', 'p1:3', 'p2:1']);
    expect(poller.stats.redriven).toBe(1);
    expect((await sqs.receive(queues.dlqUrl)).map((m) => m.Body)).toEqual(['p1']);
  });

  it('treats a crashed invocation as failed: nothing deleted, back after the visibility timeout', async () => {
    const { t0, advanceClock } = fakeClock();
    const queues = await queueWith(['x1', 'x2', 'y1', 'y2'], { visibilityTimeout: 60, maxReceiveCount: 3 });
    const ran: string[] = [];
    const handler: SqsHandler = async ({ Records: [record] }) => {
      if (record) ran.push(`${record.body}:${record.attributes.ApproximateReceiveCount}@${Date.now() - t0}`);
      return ok;
    };
    // x1 times out once after running; y1 is poison: its container dies before the handler runs.
    const crash = ({ Records: [record] }: SQSEvent): Crash | undefined => {
      if (record?.body === 'y1') return 'before';
      return record?.body === 'x1' && record.attributes.ApproximateReceiveCount === '1' ? 'after' : undefined;
    };
    const poller = await start(queues, [handler, handler], { crash });
    await poller.drain({ advanceClock });

    expect(ran.filter((r) => r.startsWith('x'))).toEqual(['x1:1@0', 'x1:2@60000', 'x2:1@60000']);
    // y1 never reached a handler; after 3 receives it is in the DLQ and y2 goes on.
    expect(ran.filter((r) => r.startsWith('y'))).toEqual(['y2:1@180000']);
    expect(poller.stats).toMatchObject({ crashes: 4, redriven: 1 });
    expect((await sqs.receive(queues.dlqUrl)).map((m) => m.Body)).toEqual(['y1']);
  });

  it('hands held messages back and restores the redrive policy when stopped', async () => {
    const queues = await queueWith(['a1'], { maxReceiveCount: 5 });
    const handler: SqsHandler = async ({ Records: [record] }) => {
      if (!record) return ok;
      await setVisibility(queues, record, 1_800);
      return fail(record);
    };
    const poller = await start(queues, [handler, handler]);
    await poller.drain({ until: () => poller.stats.invocations === 1 });
    await poller.stop();

    expect((await sqs.receive(queues.queueUrl)).map((m) => m.Body)).toEqual(['a1']);
    const { Attributes } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 5 });
  });
});
