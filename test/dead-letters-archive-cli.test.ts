// The dead-letter archive: the real worker writes each dead letter to the archive table (dynalite)
// before the DLQ (the SQS emulator); once SQS has deleted them, `tfe-bridge dead-letters
// list|replay --archive` (the real binary) still lists and replays them.
import { DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  ARCHIVE,
  awsEnv,
  drain,
  lines,
  receiveAll,
  TOKEN,
  useArchiveStack,
  workerWithArchive,
} from './support/archive-stack';
import { runCli } from './support/cli-process';
import { fixture } from './support/fixtures';
import { pollOnce } from './support/local-sqs';

const BODIES = [
  fixture('tfe-run-errored'),
  fixture('tfe-run-planned'),
  fixture('tfe-run-completed-captured'),
];

const stack = useArchiveStack();
const AWS_ENV = () => awsEnv(stack);

describe('the dead-letter archive (AWS)', () => {
  it('keeps every dead letter after SQS deleted it: list shows them, replay sends them back once', async () => {
    await receiveAll(stack, BODIES);
    expect(await drain(stack, workerWithArchive(stack, ARCHIVE))).toEqual([]);
    // What SQS does at 14 days: the DLQ is empty.
    let deleted = 0;
    for (
      let batch = await stack.sqs.receive(stack.queues.dlqUrl);
      batch.length > 0;
      batch = await stack.sqs.receive(stack.queues.dlqUrl)
    ) {
      for (const message of batch) {
        await stack.sqs.client.send(
          new DeleteMessageCommand({ QueueUrl: stack.queues.dlqUrl, ReceiptHandle: message.ReceiptHandle }),
        );
        deleted++;
      }
    }
    expect(deleted).toBe(6);

    const listed = await runCli(['dead-letters', 'list', '--archive', ARCHIVE], AWS_ENV());
    expect(listed.stderr).toBe('listed 6 archived dead letters of 6\n');
    expect(listed.code).toBe(0);
    const letters = lines(listed.stdout);
    for (const letter of letters) {
      expect(letter).toMatchObject({ reason: 'exhausted', routeId: 'runs', attempts: 1, lastStatus: 503 });
      expect(letter.replayedAt).toBeNull();
    }
    expect(letters.filter((l) => l.destinationId === 'a').map((l) => l.payload)).toEqual(BODIES);
    expect(listed.stdout).not.toContain(TOKEN);

    stack.behaviour = () => ({ status: 200 });
    stack.api.received.length = 0;
    const replay = ['dead-letters', 'replay', '--archive', ARCHIVE, '--queue-url', stack.queues.queueUrl];
    const replayed = await runCli([...replay, '--destination', 'runs/a'], AWS_ENV());
    expect(replayed.stdout).toBe(
      'replayed 3 from the archive to the jobs queue (the worker delivers them); skipped: 0 replayed before (select one with --job to send it again), 0 not delivery jobs; 0 failed to send\n',
    );
    expect(replayed.code).toBe(0);
    expect(await drain(stack, workerWithArchive(stack, ARCHIVE))).toEqual([]);
    // Delivered in the destination's order, with the token the config names.
    expect(stack.api.received.map((r) => [r.path, r.body])).toEqual(BODIES.map((body) => ['/a', body]));

    // A second replay sends nothing again; the letters stay in the archive, marked.
    const again = await runCli([...replay, '--destination', 'runs/a'], AWS_ENV());
    expect(again.stdout).toMatch(/^replayed 0 from the archive .* 3 replayed before/);
    const after = lines((await runCli(['dead-letters', 'list', '--archive', ARCHIVE], AWS_ENV())).stdout);
    expect(after.filter((l) => l.replayedAt !== null).map((l) => l.destinationId)).toEqual(['a', 'a', 'a']);
  });

  it('leaves the job on its queue when the archive cannot be written: no letter reaches the DLQ without its copy', async () => {
    await receiveAll(stack, BODIES);
    const failed = await pollOnce(stack.sqs, stack.queues, workerWithArchive(stack, 'no-such-table'));
    expect(failed.failed).toHaveLength(failed.event.Records.length);
    expect(failed.event.Records.length).toBeGreaterThan(0);
    expect(await stack.sqs.receive(stack.queues.dlqUrl)).toEqual([]);
    expect(
      stack.logger.withMessage('dead letter could not be sent, the message stays on the queue'),
    ).not.toEqual([]);
  });

  it('refuses unusable options with exit 2 and a reason', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [
        ['dead-letters', 'replay', '--archive', ARCHIVE],
        AWS_ENV(),
        'replay from the archive needs --queue-url URL (stack output QueueUrl)',
      ],
      [
        ['dead-letters', 'list', '--archive', ARCHIVE, '--dlq-url', 'https://sqs.example/q'],
        AWS_ENV(),
        '--dlq-url cannot be used with --archive',
      ],
      [
        ['dead-letters', 'list', '--archive', ARCHIVE, '--store', 'bridge.db'],
        AWS_ENV(),
        '--store is for the local store; with --archive the deployed worker delivers',
      ],
      [['dead-letters', 'list', '--archive', 'x'], AWS_ENV(), '--archive must be a DynamoDB table name'],
      [['dead-letters', 'list', '--archive', ARCHIVE], {}, "--archive needs the stack's region"],
    ];
    for (const [args, env, message] of cases) {
      const result = await runCli(args, env);
      expect(result.stderr).toContain(message);
      expect(result.code).toBe(2);
    }
  });
});
