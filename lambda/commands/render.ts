// `tfe-bridge render`: print the exact request the bridge would send to one destination for a
// payload, secrets masked. Built by the same code as a real delivery (outgoing-request.ts).

import { createAwsEndpointResolver } from '../adapters/aws/aws-endpoints';
import { type ApiFixture, fixtureFetch, readApiFixture } from '../adapters/local/api-fixture';
import { loadConfigFile } from '../adapters/local/config-file';
import { FileSecretStore } from '../adapters/local/file-secret-store';
import type { DestinationConfig } from '../core/config/schema';
import { destinationSecrets } from '../core/config/secret-check';
import {
  buildRequest,
  type DeliveryTarget,
  maskRequest,
  type OutgoingRequest,
} from '../core/deliver/request';
import { skipReason } from '../core/deliver/route-filter';
import { createEnricher } from '../core/enrich/enricher';
import type { Enrichment } from '../core/enrich/run-details';
import { SecretError } from '../core/errors';
import { destinationKey } from '../core/receive/jobs';
import { classifyPayload, type Notification, parseJsonObject } from '../core/receive/payloads';
import { matchesFilter } from '../core/receive/routing';
import { redact } from '../core/redaction';
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
import { targetNamed } from './destination-option';
import { PAYLOAD_OPTIONS, readPayloadOption } from './payload-option';
import { PlaceholderSecretStore } from './placeholder-secrets';

function describeFilterMiss(destination: DestinationConfig, notification: Notification): string | null {
  if (notification.kind === 'verification') {
    return 'the bridge answers verification requests itself and never forwards them';
  }
  if (matchesFilter(destination.filter, notification)) return null;
  const triggers = notification.triggers.join(', ') || 'no trigger';
  return `its filter does not admit this payload (${notification.kind}, ${triggers}): the bridge would not send it`;
}

function formatRequest(request: OutgoingRequest, pretty: boolean): string {
  const headers = Object.entries(request.headers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}: ${value}`);
  const body = pretty ? JSON.stringify(JSON.parse(request.body), null, 2) : request.body;
  return `${request.method} ${request.url}\n${headers.join('\n')}\n\n${body}\n`;
}

export const renderCommand: Command = {
  summary: 'print the exact request the bridge would send to a destination',
  usage: `tfe-bridge render --config FILE --destination ROUTE/DEST (--payload FILE | --fixture NAME)
                  [--secrets FILE] [--api-fixture FILE] [--pretty | --json]

  --config FILE         bridge config, YAML or JSON                 (env TFE_BRIDGE_CONFIG)
  --destination R/D     the destination, as route id/destination id
  --payload FILE        a payload as HashiCorp would send it
  --fixture NAME        a bundled payload instead (see fixtures/)
  --secrets FILE        JSON object { "<secretId>": value }         (env TFE_BRIDGE_SECRETS);
                        without one, each secret is shown as <secret ID> (<secret ID#KEY>)
  --api-fixture FILE    recorded HCP Terraform API answers (JSON: URL path → answer) for a route
                        with enrich: the output shows the enrichment, no token or network needed
  --pretty              indent the body (the bridge sends it compact)
  --json                print { method, url, headers, body } as one JSON object
Prints method, URL, headers and body; with --secrets every secret value read is shown as ***.
An oauth2 destination's token is shown as <oauth2 token> (render fetches none); signature
headers are computed over the body shown, at the current time (described, without --secrets).

example:
  tfe-bridge render --config bridge.config.yaml --destination prod-runs/slack --fixture tfe-run-errored --pretty`,

  async run(argv, io) {
    const { values } = parseOptions(argv, {
      ...CONFIG_OPTION,
      ...SECRETS_OPTION,
      destination: { type: 'string' },
      ...PAYLOAD_OPTIONS,
      pretty: { type: 'boolean' },
      json: { type: 'boolean' },
      'api-fixture': { type: 'string' },
    });
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    if (!values.destination) throw new UsageError('pass --destination ROUTE/DEST');
    const body = readPayloadOption(values);
    const parsed = parseJsonObject(body);
    if (!parsed.ok) throw new UsageError(`the payload is unusable: ${parsed.reason}`);

    const loaded = loadConfigFile(configPath(values.config, io.env));
    const target = targetNamed(loaded, values.destination);
    const notification = classifyPayload(parsed.value);
    const note = describeFilterMiss(target.destination, notification);
    if (note) io.stderr(`note: ${destinationKey(target.route.id, target.destination.id)}: ${note}\n`);

    const secretsFile = secretsPath(values.secrets, io.env);
    const placeholders =
      secretsFile === undefined ? new PlaceholderSecretStore(target.destination) : undefined;
    if (placeholders && destinationSecrets(target.destination, '').length > 0) {
      io.stderr(
        'note: no secrets file (--secrets FILE or TFE_BRIDGE_SECRETS): secrets are shown as <secret ID>\n',
      );
    }
    const secrets = placeholders ?? new FileSecretStore(secretsFile);
    const apiFixture = values['api-fixture'];
    const enrichment =
      apiFixture === undefined ? undefined : await enrichFromFixture(apiFixture, target, notification, io);
    const input = { body, notification, ...(enrichment ? { enrichment } : {}) };
    const seen = new Set<string>();
    let request: OutgoingRequest;
    try {
      const skipped = await skipReason(target.destination.filter, target.render, input);
      if (skipped) io.stderr(`note: the bridge would skip this job after the enrichment: ${skipped}\n`);
      // No token is fetched: an oauth2 header reads `Bearer <oauth2 token>`. Signatures are
      // computed over the body printed (with placeholders, described instead).
      const built = await buildRequest(target, input, secrets, {
        seen,
        awsEndpoint: createAwsEndpointResolver(io.env),
        describeSignatures: placeholders !== undefined,
      });
      request = placeholders ? placeholders.reveal(built) : maskRequest(built, seen);
    } catch (error) {
      // A missing secret is a setup problem (exit 2); a template failure is a runtime one.
      const message = redact((error as Error).message, seen);
      throw error instanceof SecretError ? new UsageError(message) : new Error(message);
    }
    io.stdout(values.json ? `${JSON.stringify(request)}\n` : formatRequest(request, values.pretty ?? false));
    return EXIT_OK;
  },
};

/** The enrichment the bridge would add, read from recorded API answers instead of the API. */
async function enrichFromFixture(
  path: string,
  target: DeliveryTarget,
  notification: Notification,
  io: { stderr(text: string): void },
): Promise<Enrichment | undefined> {
  if (!target.route.enrich) {
    throw new UsageError(`--api-fixture: route "${target.route.id}" has no enrich.hcpTerraform`);
  }
  let fixture: ApiFixture;
  try {
    fixture = readApiFixture(path);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const note = (message: string, fields?: Record<string, unknown>) =>
    io.stderr(`note: ${message}${fields?.reason ? ` (${String(fields.reason)})` : ''}\n`);
  const enricher = createEnricher({
    // The token is never sent anywhere: the fixture answers.
    secrets: { getSecret: async () => 'api-fixture' },
    fetch: fixtureFetch(fixture),
    logger: { debug: () => undefined, info: note, warn: note, error: note },
  });
  const result = await enricher.enrich(target.route, notification, 'render');
  if (result === null) io.stderr('note: --api-fixture: not a run notification, nothing to enrich\n');
  return result?.ok ? result.enrichment : undefined;
}
