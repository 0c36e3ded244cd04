// The `tfe-bridge` command line: dispatch to one command per file under commands/.

import {
  type Command,
  type CommandIo,
  EXIT_OK,
  EXIT_USAGE,
  reportError,
  VERSION_LINE,
} from './commands/args';
import { deadLettersCommand } from './commands/dead-letters';
import { initCommand } from './commands/init';
import { renderCommand } from './commands/render';
import { schemaCommand } from './commands/schema';
import { sendTestCommand } from './commands/send-test';
import { serveCommand } from './commands/serve';
import { validateCommand } from './commands/validate';
import { didYouMean } from './core/closest-name';

const COMMANDS: Record<string, Command> = {
  init: initCommand,
  serve: serveCommand,
  validate: validateCommand,
  schema: schemaCommand,
  render: renderCommand,
  'send-test': sendTestCommand,
  'dead-letters': deadLettersCommand,
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(14)} ${command.summary}`);
  return `usage: tfe-bridge <command> [options]

commands:
${lines.join('\n')}

Run tfe-bridge <command> --help for its options, tfe-bridge --version for the version.
`;
}

/** `--version` anywhere among a command's options (not after `--`) prints the version. */
function asksForVersion(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--version');
}

export async function runCli(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(VERSION_LINE);
    return EXIT_OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    // A near name is the likely fix; otherwise the list of commands is.
    const near = didYouMean(name, Object.keys(COMMANDS));
    io.stderr(
      near
        ? `tfe-bridge: unknown command "${name}"${near}; run tfe-bridge --help for the commands\n`
        : `tfe-bridge: unknown command "${name}"\n\n${usage()}`,
    );
    return EXIT_USAGE;
  }
  if (asksForVersion(rest)) {
    io.stdout(VERSION_LINE);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}
