// `tfe-bridge dead-letters list|replay`: the local store's dead letters, or the AWS dead-letter
// queue's. Options, filters and the choice of source live here; each source has its own module.
import { DEFAULT_STORE_FILE } from '../adapters/local/sqlite-store';
import { didYouMean } from '../core/closest-name';
import { DEAD_LETTER_REASONS, type DeadLetterReason } from '../core/contract';
import {
  CONFIG_OPTION,
  type Command,
  type CommandIo,
  EXIT_OK,
  parseOptions,
  SECRETS_OPTION,
  UsageError,
} from './args';
import { DEFAULT_REPLAY_WAIT_MS, runLocalDeadLetters } from './dead-letters-local';

const ACTIONS = ['list', 'replay'] as const;

export const deadLettersCommand: Command = {
  summary: 'list or replay dead letters (local store or the AWS dead-letter queue)',
  usage: `tfe-bridge dead-letters list   [--store FILE] [--file OLD.jsonl] [filters]
tfe-bridge dead-letters replay [--store FILE] [--config FILE] [--secrets FILE] [--wait MS] [filters]
tfe-bridge dead-letters list   --dlq-url URL [filters]
tfe-bridge dead-letters replay --dlq-url URL --queue-url URL [filters]
tfe-bridge dead-letters list   --archive TABLE [filters]
tfe-bridge dead-letters replay --archive TABLE --queue-url URL [filters]

  --store FILE       the local store (env TFE_BRIDGE_STORE, default ${DEFAULT_STORE_FILE})
  --file OLD.jsonl   a dead-letter file of tfe-bridge before 0.2: imported into the store once
                     (renamed .imported), then listed or replayed with the rest
  --config FILE      (local replay with no bridge running) bridge config (env TFE_BRIDGE_CONFIG)
  --secrets FILE     (local replay with no bridge running) secrets file  (env TFE_BRIDGE_SECRETS)
  --wait MS          (local replay) how long to wait for the outcome (default ${DEFAULT_REPLAY_WAIT_MS})
  --dlq-url URL      the AWS dead-letter queue (stack output DeadLetterQueueUrl;
                     env TFE_BRIDGE_DEAD_LETTER_QUEUE_URL); region, credentials and
                     endpoint come from the usual AWS settings (AWS_REGION, AWS_PROFILE, ...)
  --queue-url URL    (AWS replay) the jobs queue (stack output QueueUrl; env TFE_BRIDGE_QUEUE_URL)
  --archive TABLE    the AWS dead-letter archive, which keeps letters after the DLQ's 14 days
                     (stack output DeadLetterArchiveTable); needs AWS_REGION
filters:
  --destination R/D  only letters for this route/destination
  --reason R         only letters with this reason (${DEAD_LETTER_REASONS.join(', ')})
  --job ID           only this job id
list prints one JSON line per letter (and a count on stderr). Local replay puts the letters back
at the end of their destinations' queues: a running serve on the same store delivers them;
otherwise replay delivers them itself with --config and --secrets. It prints how many were
delivered, dead-lettered again or are still pending, and exits 1 unless all were delivered.
AWS replay sends each letter back to the jobs queue in its destination's order and deletes it
from the DLQ once sent; the deployed worker delivers it. Archive replay sends the letters the
archive has not replayed before (with --job, that job's letters in any case) and marks them
replayed; they stay in the archive until it expires them. A job over DynamoDB's 400 KB item limit
is archived without it (payload null): replay refuses that letter, sends the rest and exits 1;
replay it from the DLQ with --dlq-url.

example:
  tfe-bridge dead-letters replay --reason exhausted --config bridge.yaml --secrets secrets.json`,

  async run(argv, io) {
    const { values, positionals } = parseOptionsWithAction(argv);
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    const [action] = positionals;
    if (action === undefined) throw new UsageError('dead-letters needs an action: list or replay');
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(
        `dead-letters has no action "${action}"${didYouMean(action, ACTIONS)}: use list or replay`,
      );
    }
    const matches = letterFilter(values);
    if (values.archive !== undefined) {
      return runOnArchive(action as (typeof ACTIONS)[number], values.archive, values, matches, io);
    }
    const deadLetterQueueUrl =
      values['dlq-url'] ??
      (values.file || values.store ? undefined : io.env.TFE_BRIDGE_DEAD_LETTER_QUEUE_URL);
    if (deadLetterQueueUrl !== undefined) {
      return runOnSqs(action as (typeof ACTIONS)[number], deadLetterQueueUrl, values, matches, io);
    }
    if (values['queue-url'] !== undefined) throw new UsageError('--queue-url needs --dlq-url (AWS mode)');
    const waitMs = Number(values.wait ?? DEFAULT_REPLAY_WAIT_MS);
    if (!Number.isInteger(waitMs) || waitMs < 0) throw new UsageError('--wait must be milliseconds');
    return runLocalDeadLetters(
      {
        action: action as (typeof ACTIONS)[number],
        storePath: values.store ?? io.env.TFE_BRIDGE_STORE ?? DEFAULT_STORE_FILE,
        file: values.file,
        matches,
        config: values.config,
        secrets: values.secrets,
        waitMs,
      },
      io,
    );
  },
};

type Values = ReturnType<typeof parseOptionsWithAction>['values'];
type Letter = {
  routeId: string | null;
  destinationId: string | null;
  reason: string | null;
  jobId: string | null;
};

/** The filters as one predicate, after refusing values no letter can have. */
function letterFilter(values: Values): (letter: Letter) => boolean {
  const { destination, reason, job } = values;
  if (reason !== undefined && !(DEAD_LETTER_REASONS as readonly string[]).includes(reason)) {
    throw new UsageError(`--reason must be one of: ${DEAD_LETTER_REASONS.join(', ')} (got "${reason}")`);
  }
  if (destination !== undefined && !/^[^/]+\/[^/]+$/.test(destination)) {
    throw new UsageError(
      `--destination must be ROUTE/DESTINATION, e.g. prod-runs/slack (got "${destination}")`,
    );
  }
  return (letter) =>
    (!destination || `${letter.routeId}/${letter.destinationId}` === destination) &&
    (!reason || letter.reason === (reason as DeadLetterReason)) &&
    (!job || letter.jobId === job);
}

/** Another source's options are refused, not ignored: whoever gave them meant something else. */
function refuseOtherSources(values: Values, source: '--dlq-url' | '--archive'): void {
  for (const option of ['file', 'store', 'config', 'secrets', 'wait', 'dlq-url'] as const) {
    if (values[option] === undefined || `--${option}` === source) continue;
    throw new UsageError(
      option === 'dlq-url'
        ? `--dlq-url cannot be used with ${source}: they are two different sources of dead letters`
        : `--${option} is for the local store; with ${source} the deployed worker delivers`,
    );
  }
}

/** The jobs queue a replay sends to (`--queue-url` or TFE_BRIDGE_QUEUE_URL): required to replay. */
function replayQueueUrl(
  action: (typeof ACTIONS)[number],
  values: Values,
  io: CommandIo,
  from: string,
): string | undefined {
  const queueUrl = values['queue-url'] ?? io.env.TFE_BRIDGE_QUEUE_URL;
  if (action === 'replay' && !queueUrl) {
    throw new UsageError(`replay from ${from} needs --queue-url URL (stack output QueueUrl)`);
  }
  if (queueUrl !== undefined && !URL.canParse(queueUrl)) {
    throw new UsageError(`--queue-url must be a queue URL, got "${queueUrl}"`);
  }
  return queueUrl;
}

async function runOnSqs(
  action: (typeof ACTIONS)[number],
  deadLetterQueueUrl: string,
  values: Values,
  matches: (letter: Letter) => boolean,
  io: CommandIo,
): Promise<number> {
  refuseOtherSources(values, '--dlq-url');
  const queueUrl = replayQueueUrl(action, values, io, 'the dead-letter queue');
  if (!URL.canParse(deadLetterQueueUrl))
    throw new UsageError(`--dlq-url must be a queue URL, got "${deadLetterQueueUrl}"`);
  // Loaded only here, so local commands never load the AWS SDK.
  const { runSqsDeadLetters } = await import('./dead-letters-sqs');
  return runSqsDeadLetters({ action, deadLetterQueueUrl, queueUrl, matches }, io);
}

async function runOnArchive(
  action: (typeof ACTIONS)[number],
  archiveTable: string,
  values: Values,
  matches: (letter: Letter) => boolean,
  io: CommandIo,
): Promise<number> {
  refuseOtherSources(values, '--archive');
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(archiveTable)) {
    throw new UsageError(
      `--archive must be a DynamoDB table name (stack output DeadLetterArchiveTable), got "${archiveTable}"`,
    );
  }
  const queueUrl = replayQueueUrl(action, values, io, 'the archive');
  if (!io.env.AWS_REGION && !io.env.AWS_PROFILE) {
    throw new UsageError("--archive needs the stack's region: set AWS_REGION (or AWS_PROFILE with a region)");
  }
  // Loaded only here, so local commands never load the AWS SDK.
  const { runArchiveDeadLetters } = await import('./dead-letters-archive');
  return runArchiveDeadLetters(
    { action, archiveTable, queueUrl, matches, jobSelected: values.job !== undefined },
    io,
  );
}

function parseOptionsWithAction(argv: string[]) {
  const [action, ...rest] = argv;
  const hasAction = action !== undefined && !action.startsWith('-');
  const { values } = parseOptions(hasAction ? rest : argv, {
    ...CONFIG_OPTION,
    ...SECRETS_OPTION,
    store: { type: 'string' },
    file: { type: 'string' },
    wait: { type: 'string' },
    destination: { type: 'string' },
    reason: { type: 'string' },
    job: { type: 'string' },
    'dlq-url': { type: 'string' },
    'queue-url': { type: 'string' },
    archive: { type: 'string' },
  });
  return { values, positionals: hasAction ? [action] : [] };
}
