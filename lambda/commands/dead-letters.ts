// `tfe-bridge dead-letters list|replay`: inspect the local dead-letter file and redeliver its
// letters with the current config and secrets. A letter that fails again is dead-lettered again.
import { loadConfigFile } from '../adapters/local/config-file';
import { DEFAULT_DEAD_LETTER_FILE, DeadLetterFile } from '../adapters/local/dead-letter-file';
import { FileSecretStore } from '../adapters/local/file-secret-store';
import { JsonLogger } from '../adapters/local/json-logger';
import { LocalDeliveryQueue } from '../adapters/local/local-delivery-queue';
import type { DeadLetter, DeliveryJob } from '../core/jobs';
import { buildTargets } from '../core/outgoing-request';
import type { DeadLetterStore } from '../ports';
import {
  CONFIG_OPTION,
  type Command,
  configPath,
  EXIT_FAILURE,
  EXIT_OK,
  parseOptions,
  SECRETS_OPTION,
  secretsPath,
  UsageError,
} from './args';

const REPLAY_TIMEOUT_MS = 10 * 60_000;

const jobOf = (letter: DeadLetter): DeliveryJob => ({
  id: letter.jobId,
  routeId: letter.routeId,
  destinationId: letter.destinationId,
  body: letter.payload,
  receivedAt: letter.receivedAt,
  kind: letter.kind,
  triggers: letter.triggers,
});

export const deadLettersCommand: Command = {
  summary: 'list or replay local dead letters',
  usage: `tfe-bridge dead-letters list   [--file FILE] [--destination ROUTE/DEST] [--reason R]
tfe-bridge dead-letters replay --config FILE [--secrets FILE] [--file FILE]
                               [--destination ROUTE/DEST] [--reason R] [--job ID]

  --file FILE        the dead-letter file (default ${DEFAULT_DEAD_LETTER_FILE})
  --destination R/D  only letters for this route/destination
  --reason R         only letters with this reason (exhausted, permanent, shutdown, ...)
  --job ID           only this job id
  --config FILE      (replay) bridge config   (env TFE_BRIDGE_CONFIG)
  --secrets FILE     (replay) secrets file    (env TFE_BRIDGE_SECRETS)
list prints one JSON line per letter. replay redelivers with each destination's retry policy;
delivered letters leave the file, failing ones are written back. Exit 1 if any failed again.`,

  async run(argv, io) {
    const { values, positionals } = parseOptionsWithAction(argv);
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    const [action] = positionals;
    const file = new DeadLetterFile(values.file ?? DEFAULT_DEAD_LETTER_FILE);
    const all = file.readAll();
    const selected = all.filter(
      (letter) =>
        (!values.destination || `${letter.routeId}/${letter.destinationId}` === values.destination) &&
        (!values.reason || letter.reason === values.reason) &&
        (!values.job || letter.jobId === values.job),
    );
    if (action === 'list') {
      for (const letter of selected) io.stdout(`${JSON.stringify(letter)}\n`);
      return EXIT_OK;
    }
    if (action !== 'replay') throw new UsageError('dead-letters needs an action: list or replay');

    const loaded = loadConfigFile(configPath(values.config, io.env));
    const secrets = new FileSecretStore(secretsPath(values.secrets, io.env));
    file.replaceAll(all.filter((letter) => !selected.includes(letter)));
    let failedAgain = 0;
    const counting: DeadLetterStore = {
      write: (letter) => {
        failedAgain++;
        return file.write(letter);
      },
    };
    const queue = new LocalDeliveryQueue({
      targets: buildTargets(loaded.config, loaded.renderers),
      deps: { secrets, fetch: globalThis.fetch, logger: new JsonLogger((line) => io.stderr(line)) },
      deadLetters: counting,
      dedupWindowMs: 0,
    });
    await queue.enqueue(selected.map(jobOf));
    await queue.drain(REPLAY_TIMEOUT_MS);
    io.stdout(
      `replayed ${selected.length}: delivered ${selected.length - failedAgain}, dead-lettered again ${failedAgain}\n`,
    );
    return failedAgain > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};

function parseOptionsWithAction(argv: string[]) {
  const [action, ...rest] = argv;
  const hasAction = action !== undefined && !action.startsWith('-');
  const { values } = parseOptions(hasAction ? rest : argv, {
    ...CONFIG_OPTION,
    ...SECRETS_OPTION,
    file: { type: 'string' },
    destination: { type: 'string' },
    reason: { type: 'string' },
    job: { type: 'string' },
  });
  return { values, positionals: hasAction ? [action] : [] };
}
