// A lock on a file shared by processes: `<file>.lock`, created exclusively and holding the owner's
// pid. The bridge's appends to the dead-letter file and a replay's rewrite of it (read, filter,
// rename, from another process) take it, so a rewrite never drops a letter appended meanwhile.
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FileLockOptions {
  /** How long to wait for a live owner before giving up (default 10 s). */
  waitMs?: number;
  /** A lock older than this is left over from a crash, whoever it names (default 60 s). */
  staleMs?: number;
}

const POLL_MS = 10;

export async function withFileLock<T>(
  path: string,
  critical: () => T | Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${path}.lock`;
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
  try {
    return await critical();
  } finally {
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
  // Empty while its owner is still writing the pid.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
