// HashiCorp's published and captured payloads (fixtures/, copied byte for byte from shared/fixtures).
import { FIXTURES_DIR, fixtureNames, readFixture } from '../../lambda/adapters/local/bundled-fixtures';

export { FIXTURES_DIR, fixtureNames };

/** The exact bytes of a fixture, as text; throws on a name that does not exist. */
export function fixture(name: string): string {
  const text = readFixture(name);
  if (text === undefined) throw new Error(`no fixture named "${name}"`);
  return text;
}
