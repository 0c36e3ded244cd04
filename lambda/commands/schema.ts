// `tfe-bridge schema`: the config's JSON Schema, generated from the zod schema, for editors.
import { configJsonSchema } from '../core/config/parse';
import { type Command, EXIT_OK, parseOptions } from './args';

export const schemaCommand: Command = {
  summary: 'print the JSON Schema of the config file',
  usage: `tfe-bridge schema

Prints the JSON Schema of the config file, for editors: with the YAML language server, a first
line "# yaml-language-server: $schema=./bridge.schema.json" completes and checks every field.

example:
  tfe-bridge schema > bridge.schema.json`,

  async run(argv, io) {
    const { values } = parseOptions(argv, {});
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return EXIT_OK;
  },
};
