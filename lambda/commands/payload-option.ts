// `--payload FILE | --fixture NAME`, shared by render and send-test: the exact payload text.
import { readFileSync } from 'node:fs';
import { fixtureNames, readFixture } from '../adapters/local/bundled-fixtures';
import { describeFileError } from '../adapters/local/file-error';
import { UsageError } from './args';

export const PAYLOAD_OPTIONS = { payload: { type: 'string' }, fixture: { type: 'string' } } as const;

/** The payload text from --payload FILE or --fixture NAME (exactly one). */
export function readPayloadOption(
  values: { payload?: string | undefined; fixture?: string | undefined },
  fallback?: string,
): string {
  if (values.payload !== undefined && values.fixture !== undefined) {
    throw new UsageError('pass --payload FILE or --fixture NAME, not both');
  }
  if (values.payload !== undefined) {
    try {
      return readFileSync(values.payload, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${values.payload}: ${describeFileError(error)}`);
    }
  }
  const name = values.fixture ?? fallback;
  if (name === undefined) throw new UsageError('pass --payload FILE or --fixture NAME');
  const text = readFixture(name);
  if (text === undefined) {
    throw new UsageError(`no fixture "${name}"; bundled fixtures: ${fixtureNames().join(', ')}`);
  }
  return text;
}
