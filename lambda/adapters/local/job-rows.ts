// The jobs of the local store as rows: accept (with SQS-like deduplication), the head of each
// lane, progress and the final state, dead letters, replays and pruning. Synchronous
// (better-sqlite3); each method is one transaction.
import type Database from 'better-sqlite3';
import type { DeadLetter, DeadLetterReason, DeliveryJob } from '../../core/contract';
import { deadLetterFor } from '../../core/deliver/dead-letter';
import type { JobProgress } from '../../core/deliver/engine';
import type { PayloadKind } from '../../core/receive/payloads';

/** A pending job as the delivery loop sees it. */
export interface StoredJob {
  seq: number;
  lane: string;
  job: DeliveryJob;
  progress: JobProgress;
  /** Not before this time (ms): a retry's backoff or a hold. */
  nextAt: number;
}

export interface AcceptResult {
  queued: DeliveryJob[];
  /** The same job (destination + body) accepted within the dedup window: not queued again. */
  duplicates: DeliveryJob[];
}

interface JobRow {
  seq: number;
  job_id: string;
  route_id: string;
  destination_id: string;
  lane: string;
  queued_at: number;
  next_at: number;
  attempts: number;
  started: number;
  finished: number;
  last_status: number | null;
  last_error: string | null;
  reason: string | null;
  finished_at: number | null;
  idempotency_key: string | null;
  body: string;
  received_at: string;
  kind: string;
  triggers: string;
}

const JOB_COLUMNS = `j.seq, j.job_id, j.route_id, j.destination_id, j.lane, j.queued_at, j.next_at,
  j.attempts, j.started, j.finished, j.last_status, j.last_error, j.reason, j.finished_at,
  j.idempotency_key, n.body, n.received_at, n.kind, n.triggers`;

function jobOf(row: JobRow): DeliveryJob {
  return {
    id: row.job_id,
    routeId: row.route_id,
    destinationId: row.destination_id,
    group: row.lane,
    body: row.body,
    receivedAt: row.received_at,
    kind: row.kind as PayloadKind,
    triggers: JSON.parse(row.triggers) as string[],
  };
}

function progressOf(row: JobRow): JobProgress {
  const last =
    row.last_error === null
      ? undefined
      : { error: row.last_error, ...(row.last_status === null ? {} : { status: row.last_status }) };
  return {
    attempts: row.attempts,
    started: row.started,
    finished: row.finished,
    queuedAt: row.queued_at,
    ...(last ? { last } : {}),
  };
}

type AcceptOptions = { laneOf: (job: DeliveryJob) => string; now: number; dedupWindowMs: number };

export class JobRows {
  private readonly statements;
  /** The transactions of every notification, built once: better-sqlite3's transaction() builds
   *  five wrappers per call, which cost as much CPU as the inserts themselves. */
  private readonly inTransaction;

  constructor(private readonly db: Database.Database) {
    const prepare = (sql: string) => db.prepare(sql);
    this.statements = {
      recent: prepare('SELECT 1 FROM jobs WHERE job_id = ? AND queued_at > ? LIMIT 1').pluck(),
      addNotification: prepare(
        'INSERT INTO notifications (route_id, body, received_at, kind, triggers) VALUES (?, ?, ?, ?, ?)',
      ),
      addJob:
        prepare(`INSERT INTO jobs (job_id, notification_id, route_id, destination_id, lane, state, queued_at)
        VALUES (?, ?, ?, ?, ?, 'pending', ?)`),
      head: prepare(`SELECT ${JOB_COLUMNS} FROM jobs j JOIN notifications n ON n.id = j.notification_id
        WHERE j.state = 'pending' AND j.lane = ? ORDER BY j.seq LIMIT 1`),
      lanes: prepare(`SELECT DISTINCT lane FROM jobs WHERE state = 'pending'`).pluck(),
      pendingCount: prepare(`SELECT count(*) FROM jobs WHERE state = 'pending'`).pluck(),
      started: prepare('UPDATE jobs SET started = started + 1 WHERE seq = ?'),
      progress: prepare(`UPDATE jobs SET attempts = ?, started = ?, finished = ?, last_status = ?,
        last_error = ?, next_at = ? WHERE seq = ? AND state = 'pending'`),
      finish: prepare(`UPDATE jobs SET state = ?, reason = ?, attempts = ?, started = ?, finished = ?,
        last_status = ?, last_error = ?, finished_at = ?, idempotency_key = ? WHERE seq = ? AND state = 'pending'`),
      notificationOf: prepare('SELECT notification_id FROM jobs WHERE seq = ?').pluck(),
      dropBody: prepare(`DELETE FROM notifications WHERE id = @id
        AND NOT EXISTS (SELECT 1 FROM jobs WHERE notification_id = @id AND state <> 'delivered')`),
      dead: prepare(`SELECT ${JOB_COLUMNS} FROM jobs j JOIN notifications n ON n.id = j.notification_id
        WHERE j.state = 'dead' ORDER BY j.finished_at, j.seq`),
      requeue: prepare(`UPDATE jobs SET seq = (SELECT max(seq) FROM jobs) + 1, state = 'pending',
        queued_at = ?, next_at = 0, attempts = 0, started = 0, finished = 0, last_status = NULL,
        last_error = NULL, reason = NULL, finished_at = NULL WHERE seq = ? AND state = 'dead' RETURNING seq`).pluck(),
      addDead: prepare(`INSERT INTO jobs (job_id, notification_id, route_id, destination_id, lane, state,
        queued_at, attempts, last_status, last_error, reason, finished_at, idempotency_key)
        VALUES (?, ?, ?, ?, ?, 'dead', ?, ?, ?, ?, ?, ?, ?)`),
      stateOf: prepare('SELECT state FROM jobs WHERE seq = ?').pluck(),
      pruneDelivered: prepare(`DELETE FROM jobs WHERE state = 'delivered' AND finished_at < ?`),
      pruneBodies: prepare(
        'DELETE FROM notifications WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE notification_id = notifications.id)',
      ),
    };
    this.inTransaction = {
      accept: db.transaction((batches: readonly (readonly DeliveryJob[])[], options: AcceptOptions) =>
        this.acceptBatches(batches, options),
      ),
      delivered: db.transaction((seq: number, progress: JobProgress, now: number, skipped: boolean) => {
        // A job a filter turned away after the enrichment is finished too; its reason says so.
        this.finish(seq, 'delivered', skipped ? 'skipped' : null, progress, now, null);
        this.statements.dropBody.run({ id: this.statements.notificationOf.get(seq) });
      }),
    };
  }

  /**
   * Stores every job not already accepted within `dedupWindowMs` (like SQS FIFO deduplication),
   * one transaction for the whole batch: when it throws, nothing of it was stored.
   */
  accept(batches: readonly (readonly DeliveryJob[])[], options: AcceptOptions): AcceptResult[] {
    return this.inTransaction.accept(batches, options);
  }

  private acceptBatches(
    batches: readonly (readonly DeliveryJob[])[],
    { laneOf, now, dedupWindowMs }: AcceptOptions,
  ): AcceptResult[] {
    return batches.map((jobs) => {
      const result: AcceptResult = { queued: [], duplicates: [] };
      let notificationId: number | bigint | undefined;
      for (const job of jobs) {
        if (this.statements.recent.get(job.id, now - dedupWindowMs) !== undefined) {
          result.duplicates.push(job);
          continue;
        }
        notificationId ??= this.addNotification(job.routeId, job.body, job);
        this.statements.addJob.run(job.id, notificationId, job.routeId, job.destinationId, laneOf(job), now);
        result.queued.push(job);
      }
      return result;
    });
  }

  private addNotification(
    routeId: string,
    body: string,
    about: Pick<DeliveryJob, 'receivedAt' | 'kind' | 'triggers'>,
  ): number | bigint {
    const { receivedAt, kind, triggers } = about;
    return this.statements.addNotification.run(routeId, body, receivedAt, kind, JSON.stringify(triggers))
      .lastInsertRowid;
  }

  head(lane: string): StoredJob | undefined {
    const row = this.statements.head.get(lane) as JobRow | undefined;
    if (!row) return undefined;
    return { seq: row.seq, lane: row.lane, job: jobOf(row), progress: progressOf(row), nextAt: row.next_at };
  }

  pendingLanes(): string[] {
    return this.statements.lanes.all() as string[];
  }

  pendingCount(): number {
    return this.statements.pendingCount.get() as number;
  }

  /** Recorded before the request goes out: an attempt the process does not survive still counts. */
  markStarted(seq: number): void {
    this.statements.started.run(seq);
  }

  saveProgress(seq: number, progress: JobProgress, nextAt: number): void {
    const { last } = progress;
    this.statements.progress.run(
      progress.attempts,
      progress.started,
      progress.finished,
      last?.status ?? null,
      last?.error ?? null,
      nextAt,
      seq,
    );
  }

  /** Delivered: the body is dropped once no other job of its notification needs it; the row stays
   *  (small) for the dedup window. */
  delivered(seq: number, progress: JobProgress, now: number, skipped = false): void {
    this.inTransaction.delivered(seq, progress, now, skipped);
  }

  /** Dead-lettered: the same row, with its reason, kept until replayed. */
  dead(seq: number, reason: DeadLetterReason, progress: JobProgress, now: number, key: string | null): void {
    this.finish(seq, 'dead', reason, progress, now, key);
  }

  private finish(
    seq: number,
    state: 'delivered' | 'dead',
    reason: DeadLetterReason | 'skipped' | null,
    progress: JobProgress,
    now: number,
    idempotencyKey: string | null,
  ): void {
    this.statements.finish.run(
      state,
      reason,
      progress.attempts,
      progress.started,
      progress.finished,
      progress.last?.status ?? null,
      progress.last?.error ?? null,
      now,
      idempotencyKey,
      seq,
    );
  }

  /** Every dead letter, oldest first, with the row's seq (what `replay` hands back). */
  deadLetters(): Array<{ seq: number; letter: DeadLetter }> {
    return (this.statements.dead.all() as JobRow[]).map((row) => ({
      seq: row.seq,
      letter: deadLetterFor(
        jobOf(row),
        (row.reason ?? 'exhausted') as DeadLetterReason,
        progressOf(row),
        new Date(row.finished_at ?? 0),
        row.idempotency_key,
      ),
    }));
  }

  /** Dead letters back to pending, at the end of their lanes, in the order given. Returns the new
   *  seqs (a letter replayed meanwhile by someone else is skipped). */
  requeue(seqs: readonly number[], now: number): number[] {
    return this.db.transaction(() =>
      seqs.flatMap((seq) => {
        const moved = this.statements.requeue.get(now, seq) as number | undefined;
        return moved === undefined ? [] : [moved];
      }),
    )();
  }

  /** A dead letter from an old JSON-lines file, stored as the dead row it would be today. */
  importDead(letter: DeadLetter, lane: string): void {
    const notificationId = this.addNotification(letter.routeId, letter.payload, letter);
    this.statements.addDead.run(
      letter.jobId,
      notificationId,
      letter.routeId,
      letter.destinationId,
      lane,
      Date.parse(letter.receivedAt) || 0,
      letter.attempts,
      letter.lastStatus,
      letter.lastError,
      letter.reason,
      Date.parse(letter.deadLetteredAt) || 0,
      letter.idempotencyKey,
    );
  }

  stateOf(seq: number): 'pending' | 'delivered' | 'dead' | undefined {
    return this.statements.stateOf.get(seq) as 'pending' | 'delivered' | 'dead' | undefined;
  }

  /** Forgets delivered jobs older than the dedup window and bodies nothing refers to. */
  prune(olderThan: number): number {
    return this.db.transaction(() => {
      const { changes } = this.statements.pruneDelivered.run(olderThan);
      this.statements.pruneBodies.run();
      return changes;
    })();
  }
}
