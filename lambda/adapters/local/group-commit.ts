// Store writes asked for in the same turn of the event loop share one SQLite transaction (group
// commit): every lane's "attempt started" and "delivered" would otherwise be a commit of its own,
// and on a busy bridge the commits (and the WAL checkpoints they bring) cost more than the SQL.
// Each write runs in its own savepoint, so one that throws is undone alone and rejects alone;
// each promise settles only once its write is committed (or known not to be).
import type Database from 'better-sqlite3';

interface Pending {
  operation: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly runBatch: (batch: readonly Pending[]) => Outcome[];

  constructor(db: Database.Database) {
    // Called inside a transaction, a better-sqlite3 transaction function is a savepoint.
    const savepoint = db.transaction((operation: () => unknown) => operation());
    this.runBatch = db.transaction((batch: readonly Pending[]) => {
      const outcomes: Outcome[] = [];
      for (const { operation } of batch) {
        if (!db.inTransaction) {
          // SQLite rolled the whole transaction back (a full disk, an I/O error): the writes
          // after it must not run on their own, outside it.
          outcomes.push({ ok: false, error: (outcomes.at(-1) as { error?: unknown }).error });
          continue;
        }
        try {
          outcomes.push({ ok: true, value: savepoint(operation) });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      // Nothing of a transaction SQLite rolled back is committed: let COMMIT say so.
      const failed = outcomes.find((outcome) => !outcome.ok && !db.inTransaction);
      if (failed && !failed.ok) throw failed.error;
      return outcomes;
    });
  }

  /** Runs `operation` (synchronous SQL) in the next group transaction; settles once committed. */
  run<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ operation, resolve: resolve as (value: unknown) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.commit());
    });
  }

  private commit(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    let outcomes: Outcome[];
    try {
      outcomes = this.runBatch(batch);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const entry = batch[index] as Pending;
      if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }
}
