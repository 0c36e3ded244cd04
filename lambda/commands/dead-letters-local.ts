// `tfe-bridge dead-letters list|replay` on the local store. Works while `serve` runs: a replay
// puts the letters back in their lanes and the running bridge delivers them; with no bridge
// running, the command delivers them itself with the config and secrets it is given.

import { setTimeout as sleep } from 'node:timers/promises';
import { createAwsEndpointResolver } from '../adapters/aws/aws-endpoints';
import { createAwsRequestSigner } from '../adapters/aws/aws-request-signer';
import { sdkCredentialChain } from '../adapters/aws/sdk-credential-chain';
import { loadConfigFile } from '../adapters/local/config-file';
import { DeliveryRunner } from '../adapters/local/delivery-runner';
import { FileSecretStore } from '../adapters/local/file-secret-store';
import { importLegacyFile } from '../adapters/local/legacy-files';
import { LocalStore } from '../adapters/local/local-store';
import { createLocalLogger } from '../adapters/local/pino-logger';
import { laneOf } from '../adapters/local/store-queue';
import { createTlsFetch } from '../adapters/tls-fetch';
import type { DeadLetter } from '../core/contract';
import { buildTargets } from '../core/deliver/request';
import { type CommandIo, configPath, EXIT_FAILURE, EXIT_OK, secretsPath, UsageError } from './args';
import { logLevel } from './log-level-option';

export const DEFAULT_REPLAY_WAIT_MS = 10 * 60_000;
const POLL_MS = 200;

export interface LocalDeadLetterOptions {
  action: 'list' | 'replay';
  storePath: string;
  /** An old JSON-lines dead-letter file to import first. */
  file: string | undefined;
  matches: (letter: DeadLetter) => boolean;
  config: string | undefined;
  secrets: string | undefined;
  waitMs: number;
}

function openStore(options: LocalDeadLetterOptions, io: CommandIo): LocalStore | undefined {
  if (options.file !== undefined) {
    const store = LocalStore.open(options.storePath);
    importLegacyFile(store, 'dead-letters', options.file, stderrLogger(io));
    return store;
  }
  try {
    return LocalStore.open(options.storePath, { mustExist: true });
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'SQLITE_CANTOPEN') throw error;
    return undefined;
  }
}

export async function runLocalDeadLetters(options: LocalDeadLetterOptions, io: CommandIo): Promise<number> {
  const store = openStore(options, io);
  if (!store) {
    io.stderr(
      `tfe-bridge: no store at ${options.storePath}: nothing was dead-lettered there (serve creates it)\n`,
    );
    return EXIT_OK;
  }
  try {
    const all = store.jobs.deadLetters();
    const selected = all.filter(({ letter }) => options.matches(letter));
    if (options.action === 'list') {
      for (const { letter } of selected) io.stdout(`${JSON.stringify(letter)}\n`);
      io.stderr(`${selected.length} of ${all.length} dead letters in ${options.storePath}\n`);
      return EXIT_OK;
    }
    if (selected.length === 0) {
      io.stderr(`nothing to replay: ${all.length} dead letters in ${options.storePath}, none selected\n`);
      return EXIT_OK;
    }
    return await replay(store, selected, options, io);
  } finally {
    store.close();
  }
}

async function replay(
  store: LocalStore,
  selected: Array<{ seq: number; letter: DeadLetter }>,
  options: LocalDeadLetterOptions,
  io: CommandIo,
): Promise<number> {
  const holder = store.leaseHolder();
  // Without a bridge the command delivers itself: check it can before anything moves.
  const lanes = new Set(selected.map(({ letter }) => laneOf(letter)));
  const runner = holder ? undefined : localRunner(store, lanes, options, io);
  const seqs = store.jobs.requeue(
    selected.map(({ seq }) => seq),
    Date.now(),
  );
  if (holder) {
    io.stderr(
      `handed ${seqs.length} letters to the running bridge (process ${holder.pid} on ${holder.host})\n`,
    );
  } else {
    runner?.start();
  }
  const deadline = Date.now() + options.waitMs;
  let states = seqs.map((seq) => store.jobs.stateOf(seq));
  while (states.includes('pending') && Date.now() < deadline) {
    await sleep(POLL_MS);
    states = seqs.map((seq) => store.jobs.stateOf(seq));
  }
  await runner?.stop(5_000);
  await runner?.closeTemplates();
  const count = (state: string) => states.filter((s) => s === state).length;
  const pending = count('pending');
  io.stdout(
    `replayed ${seqs.length}: delivered ${count('delivered')}, dead-lettered again ${count('dead')}` +
      (pending > 0 ? `, still pending ${pending} (delivered by the bridge when it runs)` : '') +
      '\n',
  );
  return count('dead') > 0 || pending > 0 ? EXIT_FAILURE : EXIT_OK;
}

function localRunner(
  store: LocalStore,
  lanes: ReadonlySet<string>,
  options: LocalDeadLetterOptions,
  io: CommandIo,
): DeliveryRunner & { closeTemplates(): Promise<void> } {
  let path: string;
  try {
    path = configPath(options.config, io.env);
  } catch {
    throw new UsageError(
      `no bridge is delivering from ${options.storePath}: pass --config FILE (and --secrets FILE) to deliver from here, or start serve`,
    );
  }
  const loaded = loadConfigFile(path);
  const runner = new DeliveryRunner({
    store,
    lanes,
    targets: buildTargets(loaded.config, loaded.renderers),
    deps: {
      secrets: new FileSecretStore(secretsPath(options.secrets, io.env)),
      fetch: globalThis.fetch,
      signAws: createAwsRequestSigner({ credentials: sdkCredentialChain() }),
      awsEndpoint: createAwsEndpointResolver(),
      fetchTls: createTlsFetch(),
      logger: stderrLogger(io),
    },
  });
  return Object.assign(runner, { closeTemplates: async () => loaded.sandbox?.close() });
}

/** Log lines on the command's stderr, in order with its other output; TFE_BRIDGE_LOG_LEVEL applies. */
function stderrLogger(io: CommandIo) {
  return createLocalLogger({
    level: logLevel(undefined, io.env),
    stream: { write: (line) => io.stderr(line) },
  });
}
