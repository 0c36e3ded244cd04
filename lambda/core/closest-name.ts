// "Did you mean": the known name closest to a misspelt one (a flag, a command, a config key).

/** Edits between two words, counting a swap of neighbours as one (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

// Longer input only: comparing a 2000-character key against every name would be slow for nothing.
const MAX_COMPARED_LENGTH = 64;

/**
 * The candidate `input` most likely misspells: a few edits away (one per three characters, at
 * least one; case ignored), or a unique start of it (`--dest` for `--destination`). Undefined when
 * nothing is close, so a wild guess is never offered.
 */
export function findClosestName(input: string, candidates: Iterable<string>): string | undefined {
  const typed = input.toLowerCase();
  if (typed.length === 0 || typed.length > MAX_COMPARED_LENGTH) return undefined;
  const allowed = Math.max(1, Math.floor(typed.length / 3));
  let best: { name: string; distance: number } | undefined;
  const prefixed: string[] = [];
  for (const name of candidates) {
    if (name === input) continue;
    const known = name.toLowerCase();
    if (typed.length >= 3 && known.startsWith(typed)) prefixed.push(name);
    const distance = editDistance(typed, known);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  if (best) return best.name;
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** ` (did you mean "x"?)`, or nothing. */
export function didYouMean(input: string, candidates: Iterable<string>, quote = '"'): string {
  const name = findClosestName(input, candidates);
  return name === undefined ? '' : ` (did you mean ${quote}${name}${quote}?)`;
}
