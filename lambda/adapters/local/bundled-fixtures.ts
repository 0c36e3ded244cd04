// The HashiCorp payloads shipped in fixtures/, for `render --fixture`, `send-test --fixture` and
// `validate` (which renders each of them through every template that would receive it).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from './package-root';

export const FIXTURES_DIR = join(findPackageRoot(), 'fixtures');

export const fixtureNames = (): string[] =>
  readdirSync(FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.replace(/\.json$/, ''))
    .sort();

/** The exact bytes of a fixture, as text (all fixtures are UTF-8 JSON), or undefined if unknown. */
export function readFixture(name: string): string | undefined {
  if (!fixtureNames().includes(name)) return undefined;
  return readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8');
}
