// Local dead letters: one JSON object per line, appended, so a crash never corrupts old entries.
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
}
