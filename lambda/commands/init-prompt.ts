// The questions of `tfe-bridge init` at a terminal: one line per answer, a default on Enter, and
// the question asked again after an answer it cannot use (saying why).
import { createInterface } from 'node:readline';
import { UsageError } from './args';

export interface Question {
  text: string;
  default?: string;
  /** Why the answer cannot be used, or undefined when it can. */
  check: (answer: string) => string | undefined;
}

export interface Prompter {
  ask(question: Question): Promise<string>;
  /** A line of help before a question. */
  say(text: string): void;
  close(): void;
}

/** Reads answers from `input` (a terminal echoes what is typed); questions go to `write`. */
export function createPrompter(input: NodeJS.ReadableStream, write: (text: string) => void): Prompter {
  const lines = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    async ask(question) {
      for (;;) {
        write(`${question.text}${question.default === undefined ? '' : ` [${question.default}]`}: `);
        const next = await iterator.next();
        if (next.done) {
          write('\n');
          throw new UsageError('init: no answer (input closed); pass the answers as options instead');
        }
        const answer = next.value.trim() || question.default || '';
        const problem = answer === '' ? 'an answer is needed' : question.check(answer);
        if (problem === undefined) return answer;
        write(`  ${problem}\n`);
      }
    },
    say: write,
    close() {
      lines.close();
    },
  };
}
