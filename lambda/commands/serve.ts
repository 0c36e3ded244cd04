// `tfe-bridge serve`: run the bridge locally until SIGINT/SIGTERM, then drain.
import { loadConfigFile } from '../adapters/local/config-file';
import { DEFAULT_DEAD_LETTER_FILE, DeadLetterFile } from '../adapters/local/dead-letter-file';
import { FileSecretStore } from '../adapters/local/file-secret-store';
import { DEFAULT_JOURNAL_FILE, JobJournal } from '../adapters/local/job-journal';
import { JsonLogger } from '../adapters/local/json-logger';
import { DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_HOST, DEFAULT_PORT, startLocalBridge } from '../local';
import {
  CONFIG_OPTION,
  type Command,
  configPath,
  EXIT_OK,
  parseOptions,
  parsePort,
  SECRETS_OPTION,
  secretsPath,
  UsageError,
} from './args';

export const serveCommand: Command = {
  summary: 'run the bridge locally',
  usage: `tfe-bridge serve --config FILE [--secrets FILE] [--port N] [--host ADDR]
                 [--dead-letters FILE] [--journal FILE] [--drain-timeout MS]

  --config FILE         bridge config, YAML or JSON        (env TFE_BRIDGE_CONFIG)
  --secrets FILE        JSON object { "<secretId>": value } (env TFE_BRIDGE_SECRETS)
  --port N              port to listen on, 0 for any        (env PORT, default ${DEFAULT_PORT})
  --host ADDR           address to bind                     (default ${DEFAULT_HOST})
  --dead-letters FILE   where failed deliveries are written (default ${DEFAULT_DEAD_LETTER_FILE})
  --journal FILE        accepted jobs, replayed after a crash (default ${DEFAULT_JOURNAL_FILE})
  --drain-timeout MS    on SIGINT/SIGTERM, how long to finish deliveries (default ${DEFAULT_DRAIN_TIMEOUT_MS})`,

  async run(argv, io) {
    const { values } = parseOptions(argv, {
      ...CONFIG_OPTION,
      ...SECRETS_OPTION,
      port: { type: 'string' },
      host: { type: 'string' },
      'dead-letters': { type: 'string' },
      journal: { type: 'string' },
      'drain-timeout': { type: 'string' },
    });
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    const drainTimeout = Number(values['drain-timeout'] ?? DEFAULT_DRAIN_TIMEOUT_MS);
    if (!Number.isInteger(drainTimeout) || drainTimeout < 0)
      throw new UsageError('--drain-timeout must be milliseconds');
    const port = parsePort(values.port, '--port') ?? parsePort(io.env.PORT, 'PORT') ?? DEFAULT_PORT;

    const loaded = loadConfigFile(configPath(values.config, io.env));
    const secrets = new FileSecretStore(secretsPath(values.secrets, io.env));
    const logger = new JsonLogger((line) => io.stdout(line));
    const bridge = await startLocalBridge({
      loaded,
      logger,
      secrets,
      deadLetters: new DeadLetterFile(values['dead-letters'] ?? DEFAULT_DEAD_LETTER_FILE),
      journal: new JobJournal(values.journal ?? DEFAULT_JOURNAL_FILE),
      port,
      ...(values.host ? { host: values.host } : {}),
    });
    logger.info('listening', { url: bridge.url, config: loaded.path });

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    logger.info('shutting down', { signal, pending: bridge.queue.pending, drainTimeoutMs: drainTimeout });
    await bridge.close(drainTimeout);
    await loaded.sandbox?.close();
    logger.info('stopped', {});
    return EXIT_OK;
  },
};
