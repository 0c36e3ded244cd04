// One dead-letter archive item: how a letter and its DLQ message become a DynamoDB item within the
// 400 KB item limit (the payload stored once, or the job left out when even that is too large),
// and how an item of this or the earlier format is read back.
import { createHash } from 'node:crypto';
import { type DeadLetter, type DeliveryJob, parseJobMessage } from '../../core/contract';
import { type Item, textOf } from './dynamodb-item';
import type { DeadLetterMessage } from './sqs-dead-letter-queue';

export const ARCHIVE_KEY = 'id';
export const ARCHIVE_EXPIRY_ATTRIBUTE = 'expiresAt';

/** DynamoDB's item limit, less room for the `replayedAt` a replay adds later (an update may not
 *  grow an item past the limit either) and for rounding in how numbers are counted. */
export const MAX_ARCHIVE_ITEM_BYTES = 400 * 1024 - 1024;

/** A letter as the archive gives it back: without its payload when the job was too large. */
export type ArchivedLetter = Omit<DeadLetter, 'payload'> & { payload: string | null };

/** Set when the job was left out of the item: its size and digest, to find it in the DLQ. */
export interface BodyTooLarge {
  bytes: number;
  sha256: string;
}

/** One archived letter: the record `dead-letters list` prints, and what a replay sends back. */
export interface ArchivedDeadLetter {
  /** The DLQ message's dedup id: one item per dead-lettering, the same item when one is retried. */
  id: string;
  letter: ArchivedLetter;
  /** The job message as the DLQ got it: sent back unchanged. Null when it was too large. */
  body: string | null;
  bodyTooLarge: BodyTooLarge | null;
  groupId: string;
  job: DeliveryJob | undefined;
  /** When `dead-letters replay --archive` last sent it back; null if never. */
  replayedAt: string | null;
}

/**
 * Where a letter stored without its payload finds it again: the job's `body` (a delivery job) or
 * the whole message body (a malformed message, whose letter's payload is the message). Items
 * written before this attribute existed keep the payload in the letter and have none.
 */
const PAYLOAD_FROM = 'payloadFrom';
type PayloadFrom = 'job-body' | 'message-body';

/** The job's `body` as JSON has it, without the schema (an old job must still give its payload). */
function jobBodyOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { body?: unknown } | null;
    return typeof parsed?.body === 'string' ? parsed.body : undefined;
  } catch {
    return undefined;
  }
}

function payloadFromOf(letter: DeadLetter, body: string): PayloadFrom | undefined {
  if (jobBodyOf(body) === letter.payload) return 'job-body';
  if (body === letter.payload) return 'message-body';
  return undefined;
}

/** The item's size as DynamoDB counts it: each attribute's name plus its value, in UTF-8 bytes
 *  (a number counted as its text, which is at least what DynamoDB counts). */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.S ?? value.N ?? '');
  }
  return bytes;
}

/** The item for a letter: the payload once (in the job), or, past the item limit, no job at all. */
export function archiveItemFor(
  letter: DeadLetter,
  message: DeadLetterMessage,
  expiresAt: number,
): { item: Item; bodyTooLarge: BodyTooLarge | null } {
  // Null, not left out: the payload put back in its place keeps the letter's field order.
  const withoutPayload = { ...letter, payload: null };
  const from = payloadFromOf(letter, message.body);
  const common = {
    [ARCHIVE_KEY]: { S: message.dedupId },
    groupId: { S: message.groupId },
    deadLetteredAt: { S: letter.deadLetteredAt },
    [ARCHIVE_EXPIRY_ATTRIBUTE]: { N: String(expiresAt) },
  };
  const whole = {
    ...common,
    letter: { S: JSON.stringify(from ? withoutPayload : letter) },
    body: { S: message.body },
    ...(from ? { [PAYLOAD_FROM]: { S: from } } : {}),
  };
  if (itemBytes(whole) <= MAX_ARCHIVE_ITEM_BYTES) return { item: whole, bodyTooLarge: null };
  const bodyTooLarge = {
    bytes: Buffer.byteLength(message.body),
    sha256: createHash('sha256').update(message.body).digest('hex'),
  };
  const item = {
    ...common,
    letter: { S: JSON.stringify(withoutPayload) },
    bodyTooLarge: { N: String(bodyTooLarge.bytes) },
    bodySha256: { S: bodyTooLarge.sha256 },
  };
  return { item, bodyTooLarge };
}

/** The letter of an item of either format; undefined for an item that is not one. */
export function archivedOf(item: Item): ArchivedDeadLetter | undefined {
  const id = textOf(item, ARCHIVE_KEY);
  const letterText = textOf(item, 'letter');
  const body = textOf(item, 'body') ?? null;
  const tooLarge = item.bodyTooLarge?.N;
  if (id === undefined || letterText === undefined || (body === null && tooLarge === undefined)) {
    return undefined;
  }
  let stored: ArchivedLetter;
  try {
    stored = JSON.parse(letterText) as typeof stored;
  } catch {
    return undefined;
  }
  const from = textOf(item, PAYLOAD_FROM) as PayloadFrom | undefined;
  const payload =
    body === null
      ? null
      : from === 'job-body'
        ? jobBodyOf(body)
        : from === 'message-body'
          ? body
          : stored.payload;
  // A job that gives no payload, or an item with neither the payload nor where to find it.
  if (payload === undefined || (payload === null && body !== null)) return undefined;
  const parsed = body === null ? undefined : parseJobMessage(body);
  return {
    id,
    letter: { ...stored, payload },
    body,
    bodyTooLarge:
      tooLarge === undefined ? null : { bytes: Number(tooLarge), sha256: textOf(item, 'bodySha256') ?? '' },
    groupId: textOf(item, 'groupId') ?? '',
    job: parsed?.ok ? parsed.job : undefined,
    replayedAt: textOf(item, 'replayedAt') ?? null,
  };
}
