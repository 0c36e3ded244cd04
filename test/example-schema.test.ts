// examples/bridge.schema.json is what editors load for the example config ($schema): it must be
// the schema the bridge validates with, or editors accept what `validate` refuses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { configJsonSchema } from '../lambda/core/config/parse';

it('examples/bridge.schema.json is the current config schema (regenerate: npx tfe-bridge schema)', () => {
  const committed: unknown = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', 'examples', 'bridge.schema.json'), 'utf8'),
  );
  expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
});
