// `tfe-bridge init`: a first config and secrets file for one route and one destination, from
// options or, at a terminal, from questions; then the next three commands to run.
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { didYouMean } from '../core/closest-name';
import { idSchema } from '../core/config/destination';
import { parseConfig } from '../core/config/parse';
import { DEFAULT_PORT } from '../local';
import { type Command, type CommandIo, EXIT_OK, parseOptions, UsageError } from './args';
import {
  DESTINATION_KINDS,
  type DestinationKind,
  type InitDestination,
  initDestination,
  KIND_LABELS,
  type KindInput,
} from './init-destinations';
import { createPrompter, type Prompter, type Question } from './init-prompt';
import { terraformSnippet } from './init-terraform';

const DEFAULT_ROUTE = 'terraform';
const DEFAULT_CONFIG = 'bridge.config.yaml';
const DEFAULT_SECRETS = 'secrets.local.json';

const checkRoute = (route: string) =>
  idSchema.safeParse(route).success ? undefined : 'a route name is 1-64 letters, digits, ".", "_", "-"';
const checkKind = (kind: string) =>
  (DESTINATION_KINDS as readonly string[]).includes(kind)
    ? undefined
    : `no destination kind "${kind}"${didYouMean(kind, DESTINATION_KINDS)}: one of ${DESTINATION_KINDS.join(', ')}`;
const checkRepo = (repo: string) =>
  /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo) ? undefined : 'a repository is OWNER/NAME, e.g. acme/infra';
const checkUrl = (url: string) =>
  URL.canParse(url) && new URL(url).protocol === 'https:'
    ? undefined
    : `the API's URL must be https://..., got "${url}"`;

export const initCommand: Command = {
  summary: 'write a first config and secrets file for one route and destination',
  usage: `tfe-bridge init [--route NAME] [--destination KIND] [--repo OWNER/NAME | --url URL]
                [--config FILE] [--secrets FILE] [--force]

  --route NAME         the route, as in its webhook URL .../hooks/NAME (default ${DEFAULT_ROUTE})
  --destination KIND   ${DESTINATION_KINDS.join(' | ')}
  --repo OWNER/NAME    (github) the repository that gets the repository_dispatch events
  --url URL            (api) the https URL to POST the notifications to, with a bearer token
  --config FILE        the config to write (default ${DEFAULT_CONFIG})
  --secrets FILE       the secrets file to write (default ${DEFAULT_SECRETS}), with a generated
                       signing token and REPLACE_ME where your destination's credential goes
  --force              overwrite these files if they exist (otherwise init refuses, exit 2)
At a terminal, init asks for what the options do not say; otherwise (a script, a pipe) it asks
nothing, and --destination is required. Prints the next commands: serve, send-test, and the
Terraform tfe_notification_configuration that points a workspace at the bridge.

examples:
  tfe-bridge init
  tfe-bridge init --route prod-runs --destination slack
  tfe-bridge init --destination api --url https://api.example.com/terraform-events`,

  async run(argv, io) {
    const { values } = parseOptions(argv, {
      route: { type: 'string' },
      destination: { type: 'string' },
      repo: { type: 'string' },
      url: { type: 'string' },
      config: { type: 'string' },
      secrets: { type: 'string' },
      force: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    const configFile = values.config ?? DEFAULT_CONFIG;
    const secretsFile = values.secrets ?? DEFAULT_SECRETS;
    // Refuse before asking anything: answers to questions that lead nowhere waste a person's time.
    if (!values.force) refuseExisting([configFile, secretsFile]);

    const stdin = io.stdin ?? process.stdin;
    const prompter = stdin.isTTY === true ? createPrompter(stdin, io.stdout) : undefined;
    let answers: { route: string; input: KindInput };
    try {
      answers = await collectAnswers(values, prompter);
    } finally {
      prompter?.close();
    }
    const { route, input } = answers;
    const destination = initDestination(route, input);
    const signingId = `tfe-bridge/${route}-hmac`;
    const config = {
      routes: [{ id: route, signingSecret: { secretId: signingId }, destinations: [destination.entry] }],
    };
    // What init writes must load: the same check serve runs (an option could still be wrong).
    parseConfig(config);
    const secrets = { [signingId]: randomBytes(32).toString('base64url'), ...destination.secrets };

    const flag = values.force ? 'w' : 'wx';
    writeFileSync(configFile, configText(config, configFile, secretsFile), { flag });
    writeFileSync(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { flag, mode: 0o600 });
    printNextSteps(io, { route, kind: input.kind, configFile, secretsFile, signingId, destination });
    return EXIT_OK;
  },
};

function refuseExisting(files: string[]): void {
  const existing = files.filter((file) => existsSync(file));
  if (existing.length > 0) {
    throw new UsageError(
      `init: ${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}: nothing written (--force to overwrite, or --config/--secrets for other files)`,
    );
  }
}

type Values = { route?: string; destination?: string; repo?: string; url?: string };

/** Each value from its option, else the question at a terminal, else the default or a usage error. */
async function collectAnswers(values: Values, prompter: Prompter | undefined) {
  const take = async (given: string | undefined, option: string, question: Question): Promise<string> => {
    if (given !== undefined) {
      const problem = question.check(given);
      if (problem !== undefined) throw new UsageError(`${option}: ${problem}`);
      return given;
    }
    if (prompter) return prompter.ask(question);
    if (question.default !== undefined) return question.default;
    throw new UsageError(`init needs ${option} when stdin is not a terminal (see tfe-bridge init --help)`);
  };
  const route = await take(values.route, '--route', {
    text: 'Route name (the webhook URL ends in /hooks/NAME)',
    default: DEFAULT_ROUTE,
    check: checkRoute,
  });
  if (prompter && values.destination === undefined) {
    for (const kind of DESTINATION_KINDS) prompter.say(`  ${kind.padEnd(10)} ${KIND_LABELS[kind]}\n`);
  }
  const kind = (await take(values.destination, '--destination', {
    text: `Destination (${DESTINATION_KINDS.join(', ')})`,
    check: checkKind,
  })) as DestinationKind;
  if (kind === 'github') {
    const repo = await take(values.repo, '--repo', {
      text: 'GitHub repository (OWNER/NAME)',
      check: checkRepo,
    });
    return { route, input: { kind, repo } };
  }
  if (kind === 'api') {
    const url = await take(values.url, '--url', { text: "The API's URL (https://...)", check: checkUrl });
    return { route, input: { kind, url } };
  }
  return { route, input: { kind } };
}

function configText(config: unknown, configFile: string, secretsFile: string): string {
  return `# Written by tfe-bridge init; every field: docs/configuration.md, or tfe-bridge schema.
# Check it (and the secrets): npx tfe-bridge validate --config ${shellQuote(configFile)} --secrets ${shellQuote(secretsFile)}
${stringify(config)}`;
}

/** A path as one shell word. */
export function shellQuote(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

interface Written {
  route: string;
  kind: DestinationKind;
  configFile: string;
  secretsFile: string;
  signingId: string;
  destination: InitDestination;
}

function printNextSteps(io: CommandIo, w: Written): void {
  const config = shellQuote(w.configFile);
  const secrets = shellQuote(w.secretsFile);
  // The token is read from the file when the command runs: init never prints a secret.
  const token = `"$(node -p 'require(${JSON.stringify(resolve(w.secretsFile))})[${JSON.stringify(w.signingId)}]')"`;
  io.stdout(`wrote ${w.configFile} (route "${w.route}" → ${KIND_LABELS[w.kind]})
wrote ${w.secretsFile} (mode 600, keep it out of git): a generated signing token as "${w.signingId}",
  and REPLACE_ME to replace first, in ${w.destination.todo}

Next:
1. run the bridge:
   npx tfe-bridge serve --config ${config} --secrets ${secrets}
2. send it a run:errored notification signed as HCP Terraform does, from another terminal:
   npx tfe-bridge send-test --url http://127.0.0.1:${DEFAULT_PORT}/hooks/${w.route} --fixture tfe-run-errored --token ${token}
3. point a workspace at the bridge once HCP Terraform can reach it (docs/deploy.md), with the
   tfe provider:

${terraformSnippet(w.route, w.signingId, w.secretsFile)}
`);
}
