// Moves what an earlier tfe-bridge kept in JSON-lines files into the store, once: the journal's
// accepted-but-unfinished jobs (pending again) and the dead-letter file's letters (dead rows).
// Each file is recorded in the store in the same transaction, so a crash mid-import neither
// loses nor doubles it; the file is then renamed `<file>.imported`.
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import type { DeadLetter, DeliveryJob } from '../../core/contract';
import type { Logger } from '../../core/ports';
import type { LocalStore } from './local-store';
import { laneOf } from './store-queue';

type JournalEntry = { op: 'accepted'; job: DeliveryJob } | { op: 'finished'; jobId: string };

function lines<T>(text: string): T[] {
  return text.split('\n').flatMap((line) => {
    try {
      return line.trim() ? [JSON.parse(line) as T] : [];
    } catch {
      return []; // a torn last line: its request was never answered
    }
  });
}

/** Jobs accepted and never finished, in acceptance order (the old journal's own rule). */
export function unfinishedJournalJobs(text: string): DeliveryJob[] {
  const open = new Map<string, DeliveryJob[]>();
  for (const entry of lines<JournalEntry>(text)) {
    if (entry.op === 'accepted') open.set(entry.job.id, [...(open.get(entry.job.id) ?? []), entry.job]);
    else open.get(entry.jobId)?.shift();
  }
  return [...open.values()].flat().sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
}

export function readDeadLetterLines(text: string): DeadLetter[] {
  return lines<DeadLetter>(text).filter((letter) => typeof letter?.jobId === 'string');
}

/** Imports `path` unless it is missing or already imported; returns how many records it held. */
export function importLegacyFile(
  store: LocalStore,
  kind: 'journal' | 'dead-letters',
  path: string,
  logger: Logger,
): number {
  if (!existsSync(path)) return 0;
  const { size, mtimeMs } = statSync(path);
  const identity = JSON.stringify({ path, size, mtimeMs });
  const text = readFileSync(path, 'utf8');
  const count = store.transaction(() => {
    if (store.hasImported(identity)) return 0;
    store.markImported(identity);
    if (kind === 'journal') {
      const jobs = unfinishedJournalJobs(text);
      store.jobs.accept([jobs], { laneOf, now: Date.now(), dedupWindowMs: 0 });
      return jobs.length;
    }
    const letters = readDeadLetterLines(text);
    for (const letter of letters) store.jobs.importDead(letter, laneOf(letter));
    return letters.length;
  });
  renameSync(path, `${path}.imported`);
  logger.warn(`imported the old ${kind} file into the store`, {
    file: path,
    records: count,
    renamedTo: `${path}.imported`,
  });
  return count;
}
