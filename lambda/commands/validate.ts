// `tfe-bridge validate`: load the config exactly as `serve` would and report every problem, then
// render the bundled fixtures through each template, so a template that breaks on one payload
// family fails here rather than at 3 a.m. With a secrets file, read every secret the config names;
// with --aws, check each exists in Secrets Manager (validate-aws.ts).
import { fixtureNames, readFixture } from '../adapters/local/bundled-fixtures';
import { loadConfigFile } from '../adapters/local/config-file';
import { FileSecretStore } from '../adapters/local/file-secret-store';
import { checkSecrets, formatSecretProblem } from '../core/config/secret-check';
import { ConfigError } from '../core/errors';
import { checkTemplates } from '../core/render/template-check';
import {
  CONFIG_OPTION,
  type Command,
  configPath,
  EXIT_OK,
  parseOptions,
  SECRETS_OPTION,
  secretsPath,
  UsageError,
} from './args';

export const validateCommand: Command = {
  summary: 'check a config file (and its secrets) and render the bundled fixtures through its templates',
  usage: `tfe-bridge validate --config FILE [--secrets FILE | --aws]

  --config FILE   bridge config, YAML or JSON (env TFE_BRIDGE_CONFIG)
  --secrets FILE  also read every secret the config names from this file (env TFE_BRIDGE_SECRETS)
  --aws           instead, check that every secret the config names exists in AWS Secrets Manager
                  and has a value (DescribeSecret: no value is read); region, credentials and
                  endpoint from the usual AWS settings (AWS_REGION, AWS_PROFILE,
                  AWS_ENDPOINT_URL_SECRETS_MANAGER, ...)
Checks every field, compiles every template, then renders each bundled fixture (fixtures/) of
the payload families a destination's filter admits through its template. Named secrets render
as "<secret NAME>". With --secrets, every signing and destination secret must be present, of the
shape its reference asks for (jsonKey), not empty, not the REPLACE_ME placeholder, and a secret
URL must be https without credentials. Exit 0 when valid; 2 with one line per problem, with its
path, otherwise (a destination secret problem too: this is an explicit check).

examples:
  tfe-bridge validate --config bridge.config.yaml --secrets secrets.local.json
  AWS_REGION=eu-west-1 tfe-bridge validate --config bridge.config.yaml --aws`,

  async run(argv, io) {
    const { values } = parseOptions(argv, { ...CONFIG_OPTION, ...SECRETS_OPTION, aws: { type: 'boolean' } });
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    if (values.aws && values.secrets !== undefined) {
      throw new UsageError('pass --secrets FILE (local) or --aws (Secrets Manager), not both');
    }
    const { path, config, renderers } = loadConfigFile(configPath(values.config, io.env));
    const samples = fixtureNames().map((name) => ({ name, body: readFixture(name) ?? '' }));
    const check = await checkTemplates(config, renderers, samples);
    const secretsFile = values.aws ? undefined : secretsPath(values.secrets, io.env);
    const secretProblems = secretsFile
      ? (await checkSecrets(config, new FileSecretStore(secretsFile))).map(formatSecretProblem)
      : [];
    // Loaded only here, so other commands never load the AWS SDK.
    const aws = values.aws ? await (await import('./validate-aws')).checkSecretsInAws(config) : undefined;
    const problems = [...check.problems, ...secretProblems, ...(aws?.problems ?? [])];
    if (problems.length > 0) throw new ConfigError(problems);
    const destinations = config.routes.reduce((sum, route) => sum + route.destinations.length, 0);
    io.stdout(`${path}: valid (${config.routes.length} routes, ${destinations} destinations)\n`);
    io.stdout(`templates: ${check.renders} renders of bundled fixtures, none failed\n`);
    if (secretsFile) io.stdout(`secrets: every secret the config names is usable in ${secretsFile}\n`);
    if (aws) {
      io.stdout(
        `secrets: all ${aws.described} secrets the config names exist in Secrets Manager (${aws.region}) with a value (not read: jsonKey and content unchecked)\n`,
      );
    }
    for (const key of check.unchecked) {
      io.stdout(`note: the filter of ${key} admits no bundled fixture: its template was only compiled\n`);
    }
    return EXIT_OK;
  },
};
