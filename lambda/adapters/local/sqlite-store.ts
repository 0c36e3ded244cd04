// The local store: one SQLite file (WAL) holding accepted jobs, their state (pending, delivered,
// dead with a reason), the replay guard and each destination's circuit. A 202 means the job's row
// is committed; a dead letter is a state of the same row, so it cannot be lost on its own.
// Opening it proves it is writable, so a bridge on a read-only or full disk refuses to start.
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../../core/errors';

export const DEFAULT_STORE_FILE = '.tfe-bridge/bridge.db';
/** How long another process waits for a write lock before its statement fails (the CLI while
 *  `serve` commits, or the other way round). */
const BUSY_TIMEOUT_MS = 5_000;
/** 2 added live_messages. Every statement of SCHEMA is IF NOT EXISTS, so an older store gets what
 *  it lacks when it is opened, and keeps its rows. */
const SCHEMA_VERSION = 2;

// `seq` orders a lane (a replayed job gets a new one). Jobs of one notification share its body.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY,
  route_id TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT NOT NULL,
  kind TEXT NOT NULL,
  triggers TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL,
  notification_id INTEGER NOT NULL,
  route_id TEXT NOT NULL,
  destination_id TEXT NOT NULL,
  lane TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  queued_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  started INTEGER NOT NULL DEFAULT 0,
  finished INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER,
  last_error TEXT,
  reason TEXT,
  finished_at INTEGER,
  idempotency_key TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_lane ON jobs (state, lane, seq);
CREATE INDEX IF NOT EXISTS jobs_by_id ON jobs (job_id, queued_at);
CREATE INDEX IF NOT EXISTS jobs_by_notification ON jobs (notification_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS replay_guard (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS destinations (key TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS live_messages (
  destination TEXT NOT NULL,
  run_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  channel TEXT,
  timeline TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (destination, run_id)
);
CREATE INDEX IF NOT EXISTS live_messages_by_age ON live_messages (updated_at);
CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  owner TEXT NOT NULL,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  heartbeat_at INTEGER NOT NULL
);
`;

export interface OpenStoreOptions {
  /** Open an existing store only (CLI commands): a missing file is an error, not a new store, and
   *  opening writes nothing. */
  mustExist?: boolean;
}

/** What SQLite's error codes mean for someone who has to fix the disk. */
export function describeStoreError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const hint =
    code === 'SQLITE_FULL' || (error as NodeJS.ErrnoException).code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'SQLITE_READONLY' || code?.startsWith('SQLITE_READONLY_') || code === 'EROFS'
        ? 'the file or its directory is read-only'
        : code === 'SQLITE_CANTOPEN' || code === 'ENOTDIR' || code === 'EACCES'
          ? 'the file cannot be created or opened there'
          : code === 'SQLITE_BUSY'
            ? 'another process holds a write lock'
            : code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
              ? 'the file is not a tfe-bridge store (or is damaged)'
              : undefined;
  const text = message ?? String(error);
  return hint ? `${hint} (${code ?? 'error'}: ${text})` : text;
}

/** SQLite says only CANTOPEN when it cannot create the file: ask the directory why. */
function diagnose(error: unknown, path: string): unknown {
  if ((error as { code?: string }).code !== 'SQLITE_CANTOPEN') return error;
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (cause) {
    return cause;
  }
  return error;
}

/**
 * Opens (or creates) the store and proves it writable with a write of its own, so a store that
 * cannot take a job fails here, at start, naming the path: never after a 202.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (!options.mustExist) {
      mkdirSync(dirname(path), { recursive: true });
      // Bodies may hold what people typed (run messages): readable by the owner only. SQLite gives
      // its -wal and -shm files the same mode.
      if (!existsSync(path)) writeFileSync(path, '', { mode: 0o600, flag: 'wx' });
    }
    db = new Database(path, { fileMustExist: options.mustExist ?? false, timeout: BUSY_TIMEOUT_MS });
    // Before any table exists, so deleted bodies give their pages back to the file system.
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    // Durable against a killed process (kill -9, crash) at a fraction of FULL's fsync per commit;
    // a power cut may lose the last commits (docs/reliability.md).
    db.pragma('synchronous = NORMAL');
    // Keep the WAL from staying at its high-water mark after a burst of large bodies.
    db.pragma(`journal_size_limit = ${8 * 1024 * 1024}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        `${path}: the store was written by a newer tfe-bridge (schema ${version}, this one reads ${SCHEMA_VERSION})`,
      );
    }
    if (version < SCHEMA_VERSION) {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    if (options.mustExist) return db;
    // A real write, through the WAL: on a read-only or full disk this is where it fails.
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(
      'last_opened',
      JSON.stringify({ at: new Date().toISOString(), pid: process.pid }),
    );
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`${path}: cannot use the store: ${describeStoreError(diagnose(error, path))}`, {
      cause: error,
    });
  }
}
