// The local store as the bridge uses it: job rows, the replay guard, each destination's saved
// circuit, and the lease that lets exactly one process deliver (a second `serve` on the same file
// refuses to start; `dead-letters replay` hands its jobs to the running bridge).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { ReplayGuard } from '../../core/ports';
import { JobRows } from './job-rows';
import { LiveMessageRows } from './live-message-rows';
import { type OpenStoreOptions, openStore } from './sqlite-store';

/** The delivering process renews its lease this often... */
export const LEASE_HEARTBEAT_MS = 2_000;
/** ...and a lease not renewed for this long belongs to a process that is gone. */
export const LEASE_STALE_MS = 15_000;

export interface LeaseHolder {
  pid: number;
  host: string;
  heartbeatAt: number;
}

interface LeaseRow extends LeaseHolder {
  owner: string;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LocalStore {
  readonly jobs: JobRows;
  readonly replayGuard: ReplayGuard;
  /** Which chat message shows which run (`live` destinations). */
  readonly liveMessages: LiveMessageRows;
  /** This instance's claim on the lease. */
  private readonly owner = randomUUID();
  private readonly host = hostname();

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.jobs = new JobRows(db);
    this.replayGuard = sqliteReplayGuard(db, now);
    this.liveMessages = new LiveMessageRows(db, now);
  }

  static open(path: string, options: OpenStoreOptions & { now?: () => number } = {}): LocalStore {
    return new LocalStore(path, openStore(path, options), options.now ?? Date.now);
  }

  /** Changes whenever another connection commits: cheap to poll for replays made by the CLI. */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Takes the delivery lease unless a live process holds it; returns that holder otherwise. */
  acquireLease(): LeaseHolder | undefined {
    return this.db
      .transaction((): LeaseHolder | undefined => {
        const holder = this.leaseRow();
        if (holder && holder.owner !== this.owner && !this.isStale(holder)) return holder;
        this.db
          .prepare('INSERT OR REPLACE INTO lease (id, owner, pid, host, heartbeat_at) VALUES (1, ?, ?, ?, ?)')
          .run(this.owner, process.pid, this.host, this.now());
        return undefined;
      })
      .immediate();
  }

  /** False when another process has taken the lease over (this one was presumed gone). */
  renewLease(): boolean {
    return this.db
      .transaction(() => {
        if (this.leaseRow()?.owner !== this.owner) return false;
        this.db.prepare('UPDATE lease SET heartbeat_at = ? WHERE id = 1').run(this.now());
        return true;
      })
      .immediate();
  }

  releaseLease(): void {
    this.db
      .transaction(() => {
        if (this.leaseRow()?.owner !== this.owner) return;
        this.db.prepare('DELETE FROM lease WHERE id = 1').run();
      })
      .immediate();
  }

  /** The live holder of the lease, if any (the CLI asks: is a bridge delivering from this store?). */
  leaseHolder(): LeaseHolder | undefined {
    const row = this.leaseRow();
    return row && !this.isStale(row)
      ? { pid: row.pid, host: row.host, heartbeatAt: row.heartbeatAt }
      : undefined;
  }

  loadDestinationState(key: string): unknown {
    const text = this.db.prepare('SELECT state FROM destinations WHERE key = ?').pluck().get(key);
    return typeof text === 'string' ? JSON.parse(text) : undefined;
  }

  saveDestinationState(key: string, state: unknown): void {
    this.db
      .prepare('INSERT OR REPLACE INTO destinations (key, state) VALUES (?, ?)')
      .run(key, JSON.stringify(state));
  }

  /** Runs `work` in one transaction (nested calls join it). */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  hasImported(identity: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM meta WHERE key = ?').pluck().get(`imported:${identity}`) !== undefined
    );
  }

  markImported(identity: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
      .run(`imported:${identity}`, new Date().toISOString());
  }

  /** Gives the pages of deleted rows back to the file system, a little at a time. */
  vacuum(pages = 2_000): void {
    this.db.pragma(`incremental_vacuum(${pages})`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private leaseRow(): LeaseRow | undefined {
    return this.db
      .prepare('SELECT owner, pid, host, heartbeat_at AS heartbeatAt FROM lease WHERE id = 1')
      .get() as LeaseRow | undefined;
  }

  private isStale(holder: LeaseRow): boolean {
    if (this.now() - holder.heartbeatAt > LEASE_STALE_MS) return true;
    if (holder.owner === this.owner || holder.host !== this.host) return false;
    // Our own pid under another owner: an earlier run that died (pid 1 again in a container).
    return holder.pid === process.pid || !isRunning(holder.pid);
  }
}

/** The replay guard's keys in the store: they survive restarts, unlike the old in-memory map. */
function sqliteReplayGuard(db: Database.Database, now: () => number): ReplayGuard {
  const seen = db.prepare('SELECT 1 FROM replay_guard WHERE key = ? AND expires_at > ?').pluck();
  const remember = db.prepare('INSERT OR REPLACE INTO replay_guard (key, expires_at) VALUES (?, ?)');
  const prune = db.prepare('DELETE FROM replay_guard WHERE expires_at <= ?');
  let pruned = 0;
  return {
    async seen(key) {
      return seen.get(key, now()) !== undefined;
    },
    async remember(key, ttlSeconds) {
      const at = now();
      if (at - pruned > 60_000) {
        prune.run(at);
        pruned = at;
      }
      remember.run(key, at + ttlSeconds * 1000);
    },
  };
}
