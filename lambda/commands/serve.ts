// `tfe-bridge serve`: run the bridge locally until SIGINT/SIGTERM, then drain.
import { createAwsEndpointResolver } from '../adapters/aws/aws-endpoints';
import { loadConfigFile } from '../adapters/local/config-file';
import { FileSecretStore } from '../adapters/local/file-secret-store';
import { createLocalLogger } from '../adapters/local/pino-logger';
import { DEFAULT_STORE_FILE } from '../adapters/local/sqlite-store';
import { awsTargetOf } from '../core/config/aws-targets';
import type { BridgeConfig } from '../core/config/schema';
import { checkSecrets, formatSecretProblem } from '../core/config/secret-check';
import { ConfigError } from '../core/errors';
import type { Logger } from '../core/ports';
import { RedactingLogger } from '../core/redacting-logger';
import { DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_HOST, DEFAULT_PORT, startLocalBridge } from '../local';
import {
  CONFIG_OPTION,
  type Command,
  type CommandIo,
  configPath,
  EXIT_OK,
  parseOptions,
  parsePort,
  SECRETS_OPTION,
  secretsPath,
  UsageError,
} from './args';
import { LOG_LEVEL_OPTION, LOG_LEVEL_USAGE, logLevel } from './log-level-option';

export const serveCommand: Command = {
  summary: 'run the bridge locally',
  usage: `tfe-bridge serve --config FILE [--secrets FILE] [--port N] [--host ADDR]
                 [--store FILE] [--drain-timeout MS] [--log-level LEVEL]

  --config FILE         bridge config, YAML or JSON        (env TFE_BRIDGE_CONFIG)
  --secrets FILE        JSON object { "<secretId>": value } (env TFE_BRIDGE_SECRETS)
  --port N              port to listen on, 0 for any        (env PORT, default ${DEFAULT_PORT})
  --host ADDR           address to bind                     (default ${DEFAULT_HOST})
  --store FILE          SQLite file of jobs and dead letters     (env TFE_BRIDGE_STORE,
                        default ${DEFAULT_STORE_FILE}); must be writable, or serve exits 2
  --drain-timeout MS    on SIGINT/SIGTERM, how long in-flight deliveries may take (default
                        ${DEFAULT_DRAIN_TIMEOUT_MS}); jobs not done stay in the store for the next start
${LOG_LEVEL_USAGE}

example:
  tfe-bridge serve --config examples/bridge.config.yaml --secrets examples/secrets.local.json`,

  async run(argv, io) {
    const { values } = parseOptions(argv, {
      ...CONFIG_OPTION,
      ...SECRETS_OPTION,
      port: { type: 'string' },
      host: { type: 'string' },
      store: { type: 'string' },
      'dead-letters': { type: 'string' },
      journal: { type: 'string' },
      'drain-timeout': { type: 'string' },
      ...LOG_LEVEL_OPTION,
    });
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    for (const old of ['dead-letters', 'journal'] as const) {
      if (values[old] !== undefined) {
        throw new UsageError(
          `--${old} is gone: jobs and dead letters live in one SQLite store (--store FILE, default ${DEFAULT_STORE_FILE}); an old ${old} file next to the store is imported at start`,
        );
      }
    }
    const drainTimeout = Number(values['drain-timeout'] ?? DEFAULT_DRAIN_TIMEOUT_MS);
    if (!Number.isInteger(drainTimeout) || drainTimeout < 0)
      throw new UsageError('--drain-timeout must be milliseconds');
    const level = logLevel(values['log-level'], io.env);
    const port = parsePort(values.port, '--port') ?? parsePort(io.env.PORT, 'PORT') ?? DEFAULT_PORT;

    const loaded = loadConfigFile(configPath(values.config, io.env));
    const secrets = new FileSecretStore(secretsPath(values.secrets, io.env));
    // Straight to file descriptor 1, asynchronously: a request never waits for its log line (a
    // synchronous write per request was a third of the receiver's CPU), and a reader that went
    // away costs nothing. What is queued is flushed when the process ends.
    // Every line is masked with the secrets file's values, whatever a caller forgot to mask.
    const logger = new RedactingLogger(createLocalLogger({ level }), () => secrets.knownValues());
    // A route without a usable signing key would answer 503 to every webhook: refuse to start.
    // A destination secret only fails that destination's deliveries: warn, and serve the rest.
    const problems = await checkSecrets(loaded.config, secrets);
    const signing = problems.filter((problem) => problem.signing);
    if (signing.length > 0) {
      const file = secretsPath(values.secrets, io.env);
      throw new ConfigError(
        signing.map(formatSecretProblem),
        `not starting: a route without a usable signing secret would refuse every webhook${file ? ` (secrets read from ${file})` : ''}`,
      );
    }
    for (const problem of problems) {
      logger.warn('destination secret unusable: its deliveries will fail until it is fixed', {
        field: problem.path,
        problem: problem.message,
      });
    }
    warnAwsTargetsWithoutRegion(loaded.config, logger, io.env);
    const bridge = await startLocalBridge({
      loaded,
      logger,
      secrets,
      storePath: values.store ?? io.env.TFE_BRIDGE_STORE ?? DEFAULT_STORE_FILE,
      port,
      ...(values.host ? { host: values.host } : {}),
    });
    logger.info('listening', { url: bridge.url, config: loaded.path, store: bridge.store.path });
    // Every delivery lane catches its own errors; should anything else slip through, a crash
    // would only restart into the same state, so it is logged and the bridge keeps serving.
    process.on('unhandledRejection', (reason) => {
      logger.error('unexpected error, the bridge keeps running', {
        cause: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
      });
    });

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    logger.info('shutting down', { signal, pending: bridge.pending, drainTimeoutMs: drainTimeout });
    const { pending } = await bridge.close(drainTimeout);
    logger.info('stopped', pending > 0 ? { pending, note: 'delivered on the next start' } : {});
    return EXIT_OK;
  },
};

/** An AWS target whose region is neither in the config nor in AWS_REGION would dead-letter every
 *  job: say so at start, as for an unusable destination secret. */
function warnAwsTargetsWithoutRegion(config: BridgeConfig, logger: Logger, env: CommandIo['env']): void {
  const resolve = createAwsEndpointResolver(env);
  config.routes.forEach((route, r) => {
    route.destinations.forEach((destination, d) => {
      const target = awsTargetOf(destination);
      if (!target) return;
      try {
        resolve(target.service, target.region);
      } catch (error) {
        logger.warn('AWS target unusable: its deliveries will fail until it is fixed', {
          field: `routes[${r}].destinations[${d}].${target.kind}`,
          problem: (error as Error).message,
        });
      }
    });
  });
}
