#!/usr/bin/env node
// The `tfe-bridge` process: the CLI on the real stdout, stderr, environment and exit code. Built
// to dist/tfe-bridge.js for the package; bin/tfe-bridge.js runs it from source during development.
import { runCli } from './cli';
import { VERSION } from './version';

// A reader that went away (`tfe-bridge serve | tee` with tee killed) makes writes fail with EPIPE:
// logging is never worth a crash, so such errors are dropped, not thrown as 'error' events.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const argv = process.argv.slice(2);
if (argv[0] === '--version') {
  process.stdout.write(`tfe-bridge ${VERSION}\n`);
} else {
  process.exitCode = await runCli(argv, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  });
}
