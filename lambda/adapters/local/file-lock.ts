// A lock on a file shared by processes: `<file>.lock`, created exclusively and holding the owner's
// pid. The bridge's appends to the dead-letter file and a replay's rewrite of it (read, filter,
// rename, from another process) take it, so a rewrite never drops a letter appended meanwhile.
// Within one process, holders take turns in a queue first: however many delivery lanes
// dead-letter at once, only one of them polls the file.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** How long to wait for another process's lock before giving up (default 10 s). */
  waitMs?: number;
  /** A lock older than this is left over from a crash, whoever it names (default 60 s). */
  staleMs?: number;
}

const POLL_MS = 10;
/** A lock whose pid is not running is taken over only after this long: the pid may be one this
 *  process cannot see (a replay run on the host while the bridge runs in a container). */
const GONE_OWNER_GRACE_MS = 5_000;

/** Lock files this process holds, and the end of each one's in-process queue. */
const held = new Set<string>();
const queues = new Map<string, Promise<unknown>>();

export function withFileLock<T>(
  path: string,
  critical: () => T | Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = resolve(`${path}.lock`);
  const turn = (queues.get(lockPath) ?? Promise.resolve()).then(() => locked(lockPath, critical, options));
  const done = turn.catch(() => {});
  queues.set(lockPath, done);
  void done.then(() => {
    if (queues.get(lockPath) === done) queues.delete(lockPath);
  });
  return turn;
}

async function locked<T>(lockPath: string, critical: () => T | Promise<T>, options: FileLockOptions) {
  const staleMs = options.staleMs ?? 60_000;
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (isStale(lockPath, staleMs)) {
      // Two processes taking over the same stale lock at once could both get in; that needs a
      // crash inside the lock and then a replay racing the bridge within milliseconds.
      rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${lockPath} is held by process ${ownerOf(lockPath)}; delete it if that process is gone`,
      );
    }
    await sleep(POLL_MS);
  }
  held.add(lockPath);
  try {
    return await critical();
  } finally {
    held.delete(lockPath);
    rmSync(lockPath, { force: true });
  }
}

function ownerOf(lockPath: string): string {
  try {
    return readFileSync(lockPath, 'utf8') || '(unknown)';
  } catch {
    return '(unknown)';
  }
}

/** Left by a process that is gone (kill -9 inside the critical section), or too old to trust. */
function isStale(lockPath: string, staleMs: number): boolean {
  let pid: number;
  let ageMs: number;
  try {
    pid = Number(readFileSync(lockPath, 'utf8'));
    ageMs = Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return false; // released meanwhile: try again
  }
  if (ageMs > staleMs) return true;
  // Our own pid on a lock we do not hold: an earlier run with the same pid (pid 1 in a container).
  if (pid === process.pid) return !held.has(lockPath);
  // Empty while its owner is still writing the pid.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH' && ageMs > GONE_OWNER_GRACE_MS;
  }
}
