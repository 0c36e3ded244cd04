// HashiCorp's published and captured payloads (copied byte for byte from shared/fixtures).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES_DIR = join(import.meta.dirname, '..', 'fixtures');

export const fixtureNames = (): string[] =>
  readdirSync(FIXTURES_DIR)
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.replace(/\.json$/, ''));

/** The exact bytes of a fixture, as text (all fixtures are UTF-8 JSON). */
export const fixture = (name: string): string => readFileSync(join(FIXTURES_DIR, `${name}.json`), 'utf8');
