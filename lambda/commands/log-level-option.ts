// `--log-level LEVEL` / TFE_BRIDGE_LOG_LEVEL, for the commands that write log lines.
import { DEFAULT_LOG_LEVEL, isLogLevel, LOG_LEVELS, type LogLevel } from '../adapters/local/pino-logger';
import { UsageError } from './args';

export const LOG_LEVEL_OPTION = { 'log-level': { type: 'string' } } as const;

export const LOG_LEVEL_USAGE = `  --log-level LEVEL     ${LOG_LEVELS.join(', ')}    (env TFE_BRIDGE_LOG_LEVEL, default ${DEFAULT_LOG_LEVEL});
                        coloured lines in a terminal, JSON lines otherwise`;

/** The flag wins over the environment; an empty variable counts as unset (`-e TFE_BRIDGE_LOG_LEVEL=`). */
export function logLevel(flag: string | undefined, env: NodeJS.ProcessEnv): LogLevel {
  const [value, source] =
    flag !== undefined ? [flag, '--log-level'] : [env.TFE_BRIDGE_LOG_LEVEL, 'TFE_BRIDGE_LOG_LEVEL'];
  if (flag === undefined && !value) return DEFAULT_LOG_LEVEL;
  const level = String(value).toLowerCase();
  if (!isLogLevel(level))
    throw new UsageError(`${source} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
  return level;
}
