#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

// A reader that went away (`tfe-bridge serve | tee` with tee killed) makes writes fail with EPIPE:
// logging is never worth a crash, so such errors are dropped, not thrown as 'error' events.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

register();
const { runCli } = await import('../lambda/cli.ts');
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
