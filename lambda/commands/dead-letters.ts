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
  type CommandIo,
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
  summary: 'list or replay dead letters (local file or the AWS dead-letter queue)',
  usage: `tfe-bridge dead-letters list   [--file FILE] [filters]
tfe-bridge dead-letters replay --config FILE [--secrets FILE] [--file FILE] [filters]
tfe-bridge dead-letters list   --dlq-url URL [filters]
tfe-bridge dead-letters replay --dlq-url URL --queue-url URL [filters]

  --file FILE        the local dead-letter file (default ${DEFAULT_DEAD_LETTER_FILE})
  --dlq-url URL      the AWS dead-letter queue (stack output DeadLetterQueueUrl;
                     env TFE_BRIDGE_DEAD_LETTER_QUEUE_URL); region, credentials and
                     endpoint come from the usual AWS settings (AWS_REGION, AWS_PROFILE, ...)
  --queue-url URL    (AWS replay) the jobs queue (stack output QueueUrl; env TFE_BRIDGE_QUEUE_URL)
  --config FILE      (local replay) bridge config   (env TFE_BRIDGE_CONFIG)
  --secrets FILE     (local replay) secrets file    (env TFE_BRIDGE_SECRETS)
filters:
  --destination R/D  only letters for this route/destination
  --reason R         only letters with this reason (exhausted, permanent, shutdown, ...)
  --job ID           only this job id
list prints one JSON line per letter. Local replay redelivers with each destination's retry
policy; delivered letters leave the file, failing ones are written back. AWS replay sends each
letter back to the jobs queue in its destination's order and deletes it from the DLQ once sent;
the deployed worker delivers it. Exit 1 if any failed.`,

  async run(argv, io) {
    const { values, positionals } = parseOptionsWithAction(argv);
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    const [action] = positionals;
    const deadLetterQueueUrl =
      values['dlq-url'] ?? (values.file ? undefined : io.env.TFE_BRIDGE_DEAD_LETTER_QUEUE_URL);
    if (deadLetterQueueUrl !== undefined) return runOnSqs(action, deadLetterQueueUrl, values, io);
    if (values['queue-url'] !== undefined) throw new UsageError('--queue-url needs --dlq-url (AWS mode)');
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
    // The file is left alone until every selected letter is delivered or failed again, so a
    // crash mid-replay loses none: replaying again delivers them at least once (with the same
    // Idempotency-Key, for destinations that dedupe).
    const failed: DeadLetter[] = [];
    const collecting: DeadLetterStore = {
      write: async (letter) => {
        failed.push(letter);
      },
    };
    const queue = new LocalDeliveryQueue({
      targets: buildTargets(loaded.config, loaded.renderers),
      deps: { secrets, fetch: globalThis.fetch, logger: new JsonLogger((line) => io.stderr(line)) },
      deadLetters: collecting,
      dedupWindowMs: 0,
    });
    await queue.enqueue(selected.map(jobOf));
    await queue.drain(REPLAY_TIMEOUT_MS);
    // On the file as it is now: a running bridge may have appended letters meanwhile.
    const replayed = new Set(selected.map(letterKey));
    await file.rewrite((current) => [
      ...current.filter((letter) => !replayed.has(letterKey(letter))),
      ...failed,
    ]);
    const failedAgain = failed.length;
    io.stdout(
      `replayed ${selected.length}: delivered ${selected.length - failedAgain}, dead-lettered again ${failedAgain}\n`,
    );
    return failedAgain > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};

/** Which stored letter this is: a job can be dead-lettered more than once. */
const letterKey = (letter: DeadLetter) => `${letter.jobId}@${letter.deadLetteredAt}`;

type Values = ReturnType<typeof parseOptionsWithAction>['values'];

async function runOnSqs(
  action: string | undefined,
  deadLetterQueueUrl: string,
  values: Values,
  io: CommandIo,
): Promise<number> {
  if (action !== 'list' && action !== 'replay')
    throw new UsageError('dead-letters needs an action: list or replay');
  if (values.file !== undefined)
    throw new UsageError('--file and --dlq-url are two different sources: pass one');
  for (const option of ['config', 'secrets'] as const) {
    if (values[option] !== undefined) {
      throw new UsageError(`--${option} is for local replay; with --dlq-url the deployed worker delivers`);
    }
  }
  const queueUrl = values['queue-url'] ?? io.env.TFE_BRIDGE_QUEUE_URL;
  if (action === 'replay' && !queueUrl) {
    throw new UsageError('replay from the dead-letter queue needs --queue-url URL (stack output QueueUrl)');
  }
  for (const [name, url] of [
    ['--dlq-url', deadLetterQueueUrl],
    ['--queue-url', queueUrl],
  ] as const) {
    if (url !== undefined && !URL.canParse(url))
      throw new UsageError(`${name} must be a queue URL, got "${url}"`);
  }
  // Loaded only here, so local commands never load the AWS SDK.
  const { runSqsDeadLetters } = await import('./dead-letters-sqs');
  return runSqsDeadLetters(
    {
      action,
      deadLetterQueueUrl,
      queueUrl,
      matches: (letter) =>
        (!values.destination || `${letter.routeId}/${letter.destinationId}` === values.destination) &&
        (!values.reason || letter.reason === values.reason) &&
        (!values.job || letter.jobId === values.job),
    },
    io,
  );
}

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
    'dlq-url': { type: 'string' },
    'queue-url': { type: 'string' },
  });
  return { values, positionals: hasAction ? [action] : [] };
}
