// Local dead letters: one JSON object per line, appended, so a crash never corrupts old entries.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter } from '../../core/jobs';
import type { DeadLetterStore } from '../../ports';

export const DEFAULT_DEAD_LETTER_FILE = '.tfe-bridge/dead-letters.jsonl';

export class DeadLetterFile implements DeadLetterStore {
  constructor(readonly path: string = DEFAULT_DEAD_LETTER_FILE) {}

  async write(letter: DeadLetter): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(letter)}\n`, 'utf8');
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

  /** Replaces the file's content atomically (used after a replay took some letters out). */
  replaceAll(letters: readonly DeadLetter[]): void {
    writeFileSync(`${this.path}.tmp`, letters.map((letter) => `${JSON.stringify(letter)}\n`).join(''));
    renameSync(`${this.path}.tmp`, this.path);
  }
}
