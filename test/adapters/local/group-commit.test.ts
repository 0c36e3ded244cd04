// Group commit on a real SQLite file: the writes of one event-loop turn share one transaction,
// each settles only once committed, and a write that throws is undone and rejected alone.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../lambda/adapters/local/group-commit';
import { openStore } from '../../../lambda/adapters/local/sqlite-store';

const dbs: Database.Database[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function open() {
  const path = join(mkdtempSync(join(tmpdir(), 'tfe-bridge-group-')), 'bridge.db');
  const db = openStore(path);
  dbs.push(db);
  // A second connection sees only what was committed.
  const reader = openStore(path, { mustExist: true });
  dbs.push(reader);
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const committed = () =>
    reader.prepare('SELECT k, v FROM t ORDER BY k').all() as Array<{ k: string; v: number }>;
  return { db, committed };
}

describe('GroupCommit', () => {
  it('commits the writes of one turn in a single transaction, and resolves each once committed', async () => {
    const { db, committed } = open();
    const writes = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const seenByOthers: number[] = [];
    const done = [1, 2, 3].map((v) =>
      writes.run(() => {
        seenByOthers.push(committed().length);
        return insert.run(`k${v}`, v).changes;
      }),
    );
    // Nothing has run yet: the batch waits for the end of the turn.
    expect(committed()).toEqual([]);
    const first = done[0]?.then(() => committed());
    expect(await Promise.all(done)).toEqual([1, 1, 1]);
    expect(await first).toEqual([
      { k: 'k1', v: 1 },
      { k: 'k2', v: 2 },
      { k: 'k3', v: 3 },
    ]);
    // All three ran inside the same transaction: none was committed before the last one ran.
    expect(seenByOthers).toEqual([0, 0, 0]);
  });

  it('undoes and rejects only the write that threw; the others commit', async () => {
    const { db, committed } = open();
    const writes = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const results = await Promise.allSettled([
      writes.run(() => insert.run('a', 1)),
      writes.run(() => {
        insert.run('b', 2);
        // A primary key clash after a write of its own: both of this write's rows go.
        insert.run('a', 3);
      }),
      writes.run(() => insert.run('c', 4)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 4 },
    ]);
  });

  it('rejects every write of a batch whose commit fails, and commits nothing of it', async () => {
    const { db, committed } = open();
    const writes = new GroupCommit(db);
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    // A deferred foreign key fails at COMMIT, not at the statement.
    db.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);
    db.pragma('foreign_keys = ON');
    const results = await Promise.allSettled([
      writes.run(() => insert.run('a', 1)),
      writes.run(() => db.prepare('INSERT INTO child (p) VALUES (42)').run()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(committed()).toEqual([]);
    // The next batch starts clean.
    await writes.run(() => insert.run('b', 2));
    expect(committed()).toEqual([{ k: 'b', v: 2 }]);
  });
});
