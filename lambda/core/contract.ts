// The records every runtime shares: a delivery job (one notification for one destination) and the
// dead letter it may end as. zod schemas, types inferred from them: the SQS message codec, the
// local store, the CLI and `dead-letters list` all read and write these shapes. (The receiver only
// builds jobs and imports the types, so zod stays off its start-up path.)
import * as z from 'zod';
import { PAYLOAD_KINDS } from './receive/payloads';

export const deliveryJobSchema = z.object({
  /** sha256 of route/destination + raw body: stable across retries, redeliveries and replays,
   *  so it doubles as the dedup id and the outgoing Idempotency-Key. */
  id: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
  routeId: z.string().min(1),
  destinationId: z.string().min(1),
  /** Jobs of one group are delivered one at a time, in order (the destination's `ordering`).
   *  Absent in jobs queued before ordering existed: the destination then. */
  group: z.string().min(1).optional(),
  /** The raw request body, exactly as received (passthrough forwards it byte for byte). */
  body: z.string(),
  receivedAt: z.string(),
  kind: z.enum(PAYLOAD_KINDS),
  triggers: z.array(z.string()),
});
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

export type ParsedJob = { ok: true; job: DeliveryJob } | { ok: false; reason: string };

/** A queued job's text, validated: the worker must not trust what a queue hands it. */
export function parseJobMessage(body: string): ParsedJob {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'message body is not JSON' };
  }
  const result = deliveryJobSchema.safeParse(input);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    return { ok: false, reason: `message body is not a delivery job (bad fields: ${fields.join(', ')})` };
  }
  return { ok: true, job: result.data };
}

/** `malformed`: an SQS message whose body is not a delivery job (AWS worker only). `expired`:
 *  held back (open circuit, rate limit) past the hold limit. `worker_failed`: the process
 *  delivering it died during its attempts (crash, timeout, out of memory). `shutdown`: only in
 *  letters written before the SQLite store (pending jobs now survive a stop). `auth_failed`: an
 *  OAuth2 token endpoint refused the destination's client credentials (a 4xx). */
export const DEAD_LETTER_REASONS = [
  'exhausted',
  'permanent',
  'expired',
  'unknown-destination',
  'worker_failed',
  'malformed',
  'shutdown',
  'auth_failed',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export const deadLetterSchema = z.object({
  deadLetteredAt: z.string(),
  reason: z.enum(DEAD_LETTER_REASONS),
  jobId: z.string(),
  routeId: z.string(),
  destinationId: z.string(),
  attempts: z.number().int().min(0),
  lastStatus: z.number().int().nullable(),
  lastError: z.string(),
  receivedAt: z.string(),
  kind: z.enum(PAYLOAD_KINDS),
  triggers: z.array(z.string()),
  /** The original body, so a replay sends exactly what HashiCorp sent. */
  payload: z.string(),
  /** The Idempotency-Key every attempt carried (null when the destination turned it off), so an
   *  operator can find the notification in the destination's records. */
  idempotencyKey: z.string().nullable(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;
