// Plain-text tables for the bench report: first column left-aligned, numbers right-aligned.

/** One benchmark's result: a table (ratio rows first, absolute numbers under them) and targets. */
export interface Section {
  title: string;
  /** How it was measured, printed under the title. */
  notes: string[];
  header: string[];
  rows: string[][];
  checks: Check[];
}

export interface Check {
  name: string;
  value: string;
  target: string;
  /** null: a reading shown next to the targets, not a target itself. */
  pass: boolean | null;
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths
    .map((w) => '-'.repeat(w))
    .join('  ')
    .trimEnd();
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function formatSection(section: Section): string {
  const notes = section.notes.map((note) => `  ${note}`);
  return [section.title, ...notes, '', formatTable(section.header, section.rows)].join('\n');
}

export function formatChecks(checks: readonly Check[]): string {
  return formatTable(
    ['target', 'measured', 'wanted', ''],
    checks.map((c) => [c.name, c.value, c.target, c.pass === null ? 'info' : c.pass ? 'ok' : 'MISSED']),
  );
}

/** `12,345` for rates, `0.42` for small values: enough digits to compare, no false precision. */
export function formatNumber(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

export const formatRatio = (value: number): string =>
  Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';

export const formatKiB = (bytes: number): string => `${formatNumber(bytes / 1024, 1)} KiB`;
