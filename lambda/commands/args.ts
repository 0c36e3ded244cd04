// Shared CLI plumbing: option parsing with clear usage errors, the config/secrets fallbacks
// every command follows, and exit codes (2 usage/config, 1 runtime).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../core/closest-name';
import { ConfigError, SecretsFileError, StoreError } from '../core/errors';
import { VERSION } from '../version';

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
  /** What interactive commands (init) read answers from; process.stdin when absent. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** `tfe-bridge 0.1.0`, for `--version` at the top level and after any command. */
export const VERSION_LINE = `tfe-bridge ${VERSION}\n`;

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

export const CONFIG_OPTION = { config: { type: 'string' } } as const;
export const SECRETS_OPTION = { secrets: { type: 'string' } } as const;

/** "Unknown option '--conifg'. To specify a positional ..." → `unknown option --conifg (did you
 *  mean --config?)`: node's hint about `--` does not help here, a near name does. */
function describeParseError(error: unknown, known: string[]): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    const near = option.startsWith('--') ? didYouMean(option, known, '') : '';
    return `unknown option ${option}${near}; run with --help for the options`;
  }
  return message;
}

/** parseArgs with --help and --version (handled in cli.ts), and unknown options or stray
 *  arguments reported as usage errors. */
export function parseOptions<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  const all = { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } } as const;
  try {
    return parseArgs({ args: argv, options: all, strict: true });
  } catch (error) {
    throw new UsageError(
      describeParseError(
        error,
        Object.keys(all).map((name) => `--${name}`),
      ),
    );
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

/** A server that could not listen: which address, and what to do, instead of `EADDRINUSE`. */
function describeListenError(error: unknown): string | undefined {
  const { code, syscall, address, port } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  if (syscall !== 'listen' || port === undefined) return undefined;
  const where = `${address?.includes(':') ? `[${address}]` : address}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (${where}): stop what is listening there (another tfe-bridge?), or pick another port with --port N or PORT=N (0 picks a free one)`;
    case 'EACCES':
      return `not allowed to listen on ${where}: ports below 1024 need privileges; pick another with --port N or PORT=N`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${address} is not an address of this machine (--host)`;
    default:
      return undefined;
  }
}

/** Maps an error from a command to its message and exit code. */
export function reportError(error: unknown, io: CommandIo): number {
  if (
    error instanceof UsageError ||
    error instanceof ConfigError ||
    error instanceof SecretsFileError ||
    error instanceof StoreError
  ) {
    io.stderr(`tfe-bridge: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const message = describeListenError(error) ?? (error as Error).message ?? String(error);
  io.stderr(`tfe-bridge: ${message}\n`);
  return EXIT_FAILURE;
}
