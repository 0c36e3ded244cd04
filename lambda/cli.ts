// The `tfe-bridge` command line: dispatch to one command per file under commands/.
import { type Command, type CommandIo, EXIT_OK, EXIT_USAGE, reportError } from './commands/args';
import { deadLettersCommand } from './commands/dead-letters';
import { renderCommand } from './commands/render';
import { schemaCommand } from './commands/schema';
import { sendTestCommand } from './commands/send-test';
import { serveCommand } from './commands/serve';
import { validateCommand } from './commands/validate';

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  validate: validateCommand,
  schema: schemaCommand,
  render: renderCommand,
  'send-test': sendTestCommand,
  'dead-letters': deadLettersCommand,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(14)} ${command.summary}`);
  return `usage: tfe-bridge <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun tfe-bridge <command> --help for its options.\n`;
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`tfe-bridge: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}
