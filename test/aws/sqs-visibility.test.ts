// Changing many messages' visibility, against the SQS emulator: in batches of ten (the call's
// limit), and the entries SQS refuses inside a 200 (an expired or made-up receipt handle) counted
// with their codes, not lost: the worker logs them, the CLI says which letters stay hidden.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeVisibility } from '../../lambda/adapters/aws/sqs-visibility';
import { type FifoQueues, type LocalSqs, startLocalSqs } from '../support/local-sqs';

let sqs: LocalSqs;
let queues: FifoQueues;
beforeAll(async () => {
  sqs = await startLocalSqs();
  queues = await sqs.createQueues('visibility');
});
afterAll(async () => {
  await sqs.close();
});

async function receiveAll(max: number): Promise<string[]> {
  const handles: string[] = [];
  for (let tries = 0; handles.length < max && tries < 10; tries++) {
    const { Messages = [] } = await sqs.bridge.call('ReceiveMessage', {
      QueueUrl: queues.queueUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 600,
    });
    handles.push(...Messages.flatMap((message) => message.ReceiptHandle ?? []));
  }
  return handles;
}

describe('changeVisibility', () => {
  it('changes more than ten in batches, and counts the entries SQS refused with their codes', async () => {
    for (let n = 0; n < 12; n++) {
      await sqs.bridge.call('SendMessage', {
        QueueUrl: queues.queueUrl,
        MessageBody: `m${n}`,
        MessageGroupId: `g${n}`,
        MessageDeduplicationId: `d${n}`,
      });
    }
    const handles = await receiveAll(12);
    expect(handles).toHaveLength(12);
    expect(await receiveAll(1)).toEqual([]); // all hidden for 600 s

    const failures = await changeVisibility(
      sqs.bridge,
      queues.queueUrl,
      [...handles, 'not-a-receipt-handle'],
      0,
    );

    expect(failures.count).toBe(1);
    expect(failures.codes).toHaveLength(1);
    expect(failures.codes[0]).toMatch(/ReceiptHandle/);
    expect(await receiveAll(12)).toHaveLength(12); // visible again at once
  });

  it('makes no call for no messages', async () => {
    expect(await changeVisibility(sqs.bridge, 'https://no-such-queue.invalid/q', [], 0)).toEqual({
      count: 0,
      codes: [],
    });
  });
});
