// A real small file system for disk-fault tests: a tmpfs mounted for one test, that can be filled
// to ENOSPC and emptied again, or mounted read-only. Needs root (the test machines and CI run as
// root); unmounted after each test even if it fails.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Writes a filler file until the file system answers ENOSPC. */
  fill(): void;
  /** Deletes the filler: the disk has room again. */
  empty(): void;
  unmount(): void;
}

const mounted = new Set<string>();

function mount(dir: string, options: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`disk-fault tests mount a tmpfs and need root: mount failed: ${stderr.trim()}`);
  }
  mounted.add(dir);
}

export function mountTmpfs(options: { sizeKb: number; readOnly?: boolean }): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-tmpfs-'));
  mount(dir, `size=${options.sizeKb}k${options.readOnly ? ',ro' : ''}`);
  const filler = join(dir, 'filler');
  return {
    dir,
    fill() {
      const chunk = Buffer.alloc(4096, 1);
      for (;;) {
        try {
          appendFileSync(filler, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
          throw error;
        }
      }
    },
    empty() {
      rmSync(filler, { force: true });
    },
    unmount() {
      unmountTmpfs(dir);
    },
  };
}

function unmountTmpfs(dir: string): void {
  if (!mounted.delete(dir)) return;
  execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  rmSync(dir, { recursive: true, force: true });
}

/** For afterEach: unmounts every tmpfs still mounted. */
export function unmountAll(): void {
  for (const dir of [...mounted]) unmountTmpfs(dir);
}
