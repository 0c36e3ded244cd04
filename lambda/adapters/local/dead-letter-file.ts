// Local dead letters: one JSON object per line, appended, so a crash never corrupts old entries.
// Appends and rewrites take a lock, since `dead-letters replay` rewrites the file from another
// process while the bridge may be appending to it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter } from '../../core/jobs';
import type { DeadLetterStore } from '../../ports';
import { type FileLockOptions, withFileLock } from './file-lock';

export const DEFAULT_DEAD_LETTER_FILE = '.tfe-bridge/dead-letters.jsonl';

export class DeadLetterFile implements DeadLetterStore {
  constructor(
    readonly path: string = DEFAULT_DEAD_LETTER_FILE,
    private readonly lock: FileLockOptions = {},
  ) {}

  async write(letter: DeadLetter): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const line = `${JSON.stringify(letter)}\n`;
    await withFileLock(this.path, () => appendFile(this.path, line, 'utf8'), this.lock);
  }

  /** Every letter in the file, oldest first; unreadable lines are skipped, not fatal. */
  readAll(): DeadLetter[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .flatMap((line) => {
        try {
          return line.trim() ? [JSON.parse(line) as DeadLetter] : [];
        } catch {
          return [];
        }
      });
  }

  /**
   * Replaces the letters with `change(current letters)`, atomically (a temporary file renamed over
   * it) and under the lock, so a letter appended while it runs is in `current`, not overwritten.
   */
  async rewrite(change: (current: DeadLetter[]) => DeadLetter[] | Promise<DeadLetter[]>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await withFileLock(
      this.path,
      async () => {
        const letters = await change(this.readAll());
        writeFileSync(`${this.path}.tmp`, letters.map((letter) => `${JSON.stringify(letter)}\n`).join(''));
        renameSync(`${this.path}.tmp`, this.path);
      },
      this.lock,
    );
  }
}
