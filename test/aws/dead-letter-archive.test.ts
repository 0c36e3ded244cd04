// The dead-letter archive table against dynalite (which enforces DynamoDB's 400 KB item limit): the
// payload is stored once, a job too large for an item is archived without it, and items written
// by the earlier format (payload in the letter and in the job) still read back the same.
import { createHash } from 'node:crypto';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbDeadLetterArchive } from '../../lambda/adapters/aws/dead-letter-archive';
import {
  archiveItemFor,
  itemBytes,
  MAX_ARCHIVE_ITEM_BYTES,
} from '../../lambda/adapters/aws/dead-letter-archive-item';
import { serializeJob } from '../../lambda/adapters/aws/job-message';
import type { DeadLetter, DeliveryJob } from '../../lambda/core/contract';
import { deadLetterFor } from '../../lambda/core/deliver/dead-letter';
import { fixture } from '../support/fixtures';
import { type LocalDynamoDb, startLocalDynamoDb } from '../support/local-dynamodb';

const TABLE = 'archive';
const NOW = new Date('2026-11-30T12:00:00.000Z');
/** What `put` stores as expiresAt for NOW and the table's 30 days (its digits count too). */
const EXPIRES_AT = NOW.getTime() / 1000 + 30 * 86_400;
/** Characters JSON and UTF-8 both make longer: quotes, backslashes, newlines, accents, an emoji,
 *  U+FFFF (which serializeJob escapes for SQS) and a lone surrogate. */
const AWKWARD = 'é"\\\n€😀\uFFFF\uD800';

let dynamo: LocalDynamoDb;
let archive: DynamoDbDeadLetterArchive;
beforeEach(async () => {
  dynamo = await startLocalDynamoDb();
  await dynamo.createArchiveTable(TABLE);
  archive = new DynamoDbDeadLetterArchive(dynamo.bridge, TABLE, 30);
});
afterEach(() => dynamo.close());

function jobOf(body: string, n = 1): DeliveryJob {
  return {
    id: String(n).padStart(64, '0'),
    routeId: 'runs',
    destinationId: 'a',
    body,
    receivedAt: NOW.toISOString(),
    kind: 'run',
    triggers: ['run:errored'],
  };
}

function deadLettered(job: DeliveryJob) {
  const letter = deadLetterFor(
    job,
    'exhausted',
    { attempts: 3, last: { status: 503, error: 'HTTP 503' } },
    NOW,
  );
  return { letter, message: { body: serializeJob(job), groupId: 'runs/a', dedupId: `${job.id}:dlq:m1` } };
}

/** The item the archive wrote before payloads were stored once (the earlier `put`, verbatim). */
async function putOldFormat(id: string, letter: DeadLetter, body: string) {
  await dynamo.client.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: {
        id: { S: id },
        letter: { S: JSON.stringify(letter) },
        body: { S: body },
        groupId: { S: 'runs/a' },
        deadLetteredAt: { S: letter.deadLetteredAt },
        expiresAt: { N: '1893456000' },
      },
    }),
  );
}

const rawItem = async (id: string) =>
  (await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } } }))).Item ?? {};

describe('the dead-letter archive table', () => {
  it('stores the payload once: a job up to the item limit is archived whole and can be marked replayed', async () => {
    // A payload whose item is exactly the limit, counted in UTF-8 bytes as DynamoDB does.
    const base = `${fixture('tfe-run-errored')}${AWKWARD.repeat(10_000)}`;
    const over = (payload: string) => {
      const { letter, message } = deadLettered(jobOf(payload));
      return MAX_ARCHIVE_ITEM_BYTES - itemBytes(archiveItemFor(letter, message, EXPIRES_AT).item);
    };
    const payload = `${base}${'a'.repeat(over(base))}`;
    const { letter, message } = deadLettered(jobOf(payload));
    expect(itemBytes(archiveItemFor(letter, message, EXPIRES_AT).item)).toBe(MAX_ARCHIVE_ITEM_BYTES);

    expect(await archive.put(letter, message, NOW)).toEqual({ bodyTooLarge: null });
    await archive.markReplayed(message.dedupId, NOW);
    const raw = await rawItem(message.dedupId);
    expect(raw.body?.S).toBe(message.body);
    expect(JSON.parse(raw.letter?.S ?? '{}')).toMatchObject({ payload: null });
    const { letters } = await archive.readAll();
    expect(letters).toHaveLength(1);
    expect(letters[0]?.letter).toEqual(letter);
    expect(JSON.stringify(letters[0]?.letter)).toBe(JSON.stringify(letter));
    expect(letters[0]).toMatchObject({
      body: message.body,
      bodyTooLarge: null,
      replayedAt: NOW.toISOString(),
    });
    expect(letters[0]?.job).toEqual(jobOf(payload));
  });

  it('archives a job one byte over the limit without it, saying so with its size and sha256', async () => {
    const probe = deadLettered(jobOf(''));
    const room =
      MAX_ARCHIVE_ITEM_BYTES - itemBytes(archiveItemFor(probe.letter, probe.message, EXPIRES_AT).item);
    const { letter, message } = deadLettered(jobOf('b'.repeat(room + 1)));
    const bytes = Buffer.byteLength(message.body);
    const sha256 = createHash('sha256').update(message.body).digest('hex');

    expect(await archive.put(letter, message, NOW)).toEqual({ bodyTooLarge: { bytes, sha256 } });
    const raw = await rawItem(message.dedupId);
    expect(raw.body).toBeUndefined();
    expect(raw.bodyTooLarge?.N).toBe(String(bytes));
    const { letters, unreadable } = await archive.readAll();
    expect(unreadable).toBe(0);
    expect(letters).toEqual([
      {
        id: message.dedupId,
        letter: { ...letter, payload: null },
        body: null,
        bodyTooLarge: { bytes, sha256 },
        groupId: 'runs/a',
        job: undefined,
        replayedAt: null,
      },
    ]);
  });

  it('reads items of the earlier format the same as items written now (jobs and malformed messages)', async () => {
    const job = deadLettered(jobOf(`${fixture('tfe-run-planned')}${AWKWARD}`, 1));
    const malformedBody = `{"body":"not a job ${AWKWARD}"}`;
    const malformed = {
      letter: { ...deadLettered(jobOf(malformedBody, 2)).letter, reason: 'malformed' as const },
      message: { body: malformedBody, groupId: 'malformed', dedupId: 'm2:dlq' },
    };
    for (const { letter, message } of [job, malformed]) {
      await archive.put(letter, message, NOW);
      await putOldFormat(`old:${message.dedupId}`, letter, message.body);
      // The new item holds the payload once: only inside the job (or as the message itself).
      expect(JSON.parse((await rawItem(message.dedupId)).letter?.S ?? '{}').payload).toBeNull();
    }
    const { letters, unreadable } = await archive.readAll();
    expect(unreadable).toBe(0);
    for (const { letter, message } of [job, malformed]) {
      const both = letters.filter((a) => a.id.endsWith(message.dedupId));
      expect(both.map((a) => a.id).sort()).toEqual([message.dedupId, `old:${message.dedupId}`]);
      for (const archived of both) {
        // What `list` prints, byte for byte, and what a replay sends.
        expect(JSON.stringify(archived.letter)).toBe(JSON.stringify(letter));
        expect(archived.body).toBe(message.body);
      }
    }
  });
});
