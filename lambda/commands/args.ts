// Shared CLI plumbing: option parsing with clear usage errors, the config/secrets fallbacks
// every command follows, and exit codes (2 usage/config, 1 runtime).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, StoreError } from '../core/errors';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

export const CONFIG_OPTION = { config: { type: 'string' } } as const;
export const SECRETS_OPTION = { secrets: { type: 'string' } } as const;

/** parseArgs with --help, and unknown options or stray arguments reported as usage errors. */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function configPath(value: string | undefined, env: NodeJS.ProcessEnv): string {
  const path = value ?? env.TFE_BRIDGE_CONFIG;
  if (!path) throw new UsageError('no config: pass --config FILE or set TFE_BRIDGE_CONFIG');
  return path;
}

export const secretsPath = (value: string | undefined, env: NodeJS.ProcessEnv): string | undefined =>
  value ?? env.TFE_BRIDGE_SECRETS;

export function parsePort(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`${name} must be a port number, got "${value}"`);
  return port;
}

/** Maps an error from a command to its message and exit code. */
export function reportError(error: unknown, io: CommandIo): number {
  if (error instanceof UsageError) {
    io.stderr(`tfe-bridge: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError || error instanceof StoreError) {
    io.stderr(`tfe-bridge: ${error.message}\n`);
    return EXIT_USAGE;
  }
  io.stderr(`tfe-bridge: ${(error as Error).message ?? String(error)}\n`);
  return EXIT_FAILURE;
}
