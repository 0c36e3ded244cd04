// The error text of a plan or apply log (LIVE-MESSAGES.md §1.7): the first `@level: error`
// diagnostics of a structured (JSON lines) log, or the error lines of a plain-text one. Log text
// is hostile: control characters and ANSI colours are removed, known secrets masked, and the
// result capped; each preset still escapes it like any payload text.
import { redact } from '../redaction';

export const MAX_EXCERPT_CHARS = 500;
const MAX_DIAGNOSTICS = 3;

// ANSI CSI/OSC sequences (a plain-text log is coloured unless -no-color).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?)/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g;
// Terraform frames diagnostics with box-drawing characters: `╷`, `│ `, `╵`.
const FRAME = /^\s*[╷│╵]\s?/;

const clean = (line: string): string => line.replace(ANSI, '').replace(CONTROL, '').replace(FRAME, '');

function structuredErrors(lines: string[]): string[] | null {
  let parsed = 0;
  const errors: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry === null || typeof entry !== 'object') continue;
    parsed += 1;
    const record = entry as Record<string, unknown>;
    if (record['@level'] !== 'error' || errors.length >= MAX_DIAGNOSTICS) continue;
    const diagnostic = record.diagnostic as Record<string, unknown> | undefined;
    const summary = typeof diagnostic?.summary === 'string' ? diagnostic.summary : null;
    const detail = typeof diagnostic?.detail === 'string' ? diagnostic.detail : null;
    const message = typeof record['@message'] === 'string' ? record['@message'] : null;
    const text = summary ? `Error: ${summary}${detail ? `\n${detail}` : ''}` : message;
    if (text) errors.push(text);
  }
  return parsed > 0 ? errors : null;
}

function plainErrors(lines: string[]): string[] {
  const cleaned = lines.map(clean);
  const first = cleaned.findIndex((line) => /^\s*Error: /.test(line));
  // No `Error:` line: the log's last lines are the best guess.
  const from = first === -1 ? Math.max(0, cleaned.length - 8) : first;
  const text = cleaned
    .slice(from)
    .map((line) => line.trimEnd())
    .join('\n');
  return [text];
}

/** The excerpt, or null when the log holds no text worth showing. */
export function extractErrorExcerpt(log: string, secrets: Iterable<string> = []): string | null {
  // STX opens and ETX closes a complete log; both are dropped (as are any others).
  const body = log.replaceAll('\u0002', '').replaceAll('\u0003', '').replace(/\r\n?/g, '\n');
  const lines = body.split('\n');
  const found = structuredErrors(lines) ?? plainErrors(lines);
  const text = found
    .map((entry) => entry.split('\n').map(clean).join('\n'))
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (text === '') return null;
  const masked = redact(
    text,
    [...secrets].filter((s) => s.trim() !== ''),
  );
  const chars = [...masked];
  return chars.length <= MAX_EXCERPT_CHARS ? masked : `${chars.slice(0, MAX_EXCERPT_CHARS - 1).join('')}…`;
}
