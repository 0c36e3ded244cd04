// `tfe-bridge send-test`: sign a payload the way HCP Terraform (or HCP) does and POST it, to check
// a deployed bridge or your own endpoint end to end. Sends the verification payload by default.
import { USER_AGENT } from '../core/deliver/request';
import { HCP_SIGNATURE_HEADER, signBody, TFE_SIGNATURE_HEADER } from '../core/receive/signature';
import {
  CONFIG_OPTION,
  type Command,
  EXIT_FAILURE,
  EXIT_OK,
  parseOptions,
  SECRETS_OPTION,
  UsageError,
} from './args';
import { PAYLOAD_OPTIONS, readPayloadOption } from './payload-option';
import { sendToDestination } from './send-test-destination';

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
const TFE_VERIFICATION_FIXTURE = 'tfe-verification-captured';
const HCP_VERIFICATION_FIXTURE = 'hcp-verification';
/** What `--destination` sends by default: a run notification every destination can take. */
const DESTINATION_FIXTURE = 'tfe-run-errored';

function parseUrl(value: string | undefined): string {
  if (!value) throw new UsageError('pass --url URL (e.g. https://bridge.example.com/hooks/ROUTE)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url is not a URL: "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--url must be http(s)');
  return url.toString();
}

function networkReason(error: unknown): string {
  const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
  if (name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? message;
}

export const sendTestCommand: Command = {
  summary: 'sign a payload like HCP Terraform and POST it to a URL, or deliver one to a destination',
  usage: `tfe-bridge send-test --url URL [--token TOKEN] [--fixture NAME | --payload FILE] [--hcp]
                     [--timeout MS]
       tfe-bridge send-test --destination ROUTE/DEST --config FILE --secrets FILE
                     [--fixture NAME | --payload FILE]

  --url URL        where to POST: a bridge route (.../hooks/ROUTE) or your own endpoint
  --token TOKEN    the notification configuration's token, the HMAC key (env TFE_BRIDGE_TOKEN);
                   without one the signature header is sent empty, as HCP Terraform does
  --fixture NAME   a bundled payload (default ${TFE_VERIFICATION_FIXTURE}, or ${HCP_VERIFICATION_FIXTURE} with --hcp)
  --payload FILE   your own payload, sent byte for byte
  --hcp            sign as an HCP project webhook (X-HCP-Webhook-Signature) instead of
                   HCP Terraform / TFE (X-TFE-Notification-Signature)
  --timeout MS     give up after this long (default ${DEFAULT_SEND_TIMEOUT_MS})
Prints the answer's status and body. Exit 0 on 2xx, 1 otherwise (as HCP Terraform would fail).

  --destination R/D  instead, deliver the payload (default ${DESTINATION_FIXTURE}) once to that
                   destination of the config, exactly as the bridge would: template, auth (an
                   OAuth2 token is fetched), signature, timeout. Prints delivered or why not
                   (secrets masked). Exit 0 when delivered, 1 otherwise.

examples:
  tfe-bridge send-test --url http://127.0.0.1:8787/hooks/demo --token local-demo-signing-token
  tfe-bridge send-test --url https://bridge.example.com/hooks/prod-runs --token "$TOKEN" --fixture tfe-run-errored
  tfe-bridge send-test --destination prod-runs/callback --config bridge.config.yaml --secrets secrets.json`,

  async run(argv, io) {
    const { values } = parseOptions(argv, {
      url: { type: 'string' },
      token: { type: 'string' },
      hcp: { type: 'boolean' },
      timeout: { type: 'string' },
      ...PAYLOAD_OPTIONS,
      destination: { type: 'string' },
      ...CONFIG_OPTION,
      ...SECRETS_OPTION,
    });
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
    }
    if (values.destination !== undefined) {
      if (values.url !== undefined) throw new UsageError('pass --url or --destination, not both');
      const body = readPayloadOption(values, DESTINATION_FIXTURE);
      const { destination, config, secrets } = values;
      return sendToDestination({ destination, config, secrets, body }, io);
    }
    const url = parseUrl(values.url);
    const timeoutMs = Number(values.timeout ?? DEFAULT_SEND_TIMEOUT_MS);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
      throw new UsageError('--timeout must be milliseconds');
    const body = readPayloadOption(values, values.hcp ? HCP_VERIFICATION_FIXTURE : TFE_VERIFICATION_FIXTURE);
    const token = values.token ?? io.env.TFE_BRIDGE_TOKEN;
    const header = values.hcp ? HCP_SIGNATURE_HEADER : TFE_SIGNATURE_HEADER;

    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': `${USER_AGENT} send-test`,
          [header]: token ? signBody(body, token) : '',
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new Error(`POST ${url} failed: ${networkReason(error)}`);
    }
    const text = await response.text().catch(() => '');
    io.stdout(`HTTP ${response.status} ${response.statusText}\n${text}${text.endsWith('\n') ? '' : '\n'}`);
    if (response.ok) return EXIT_OK;
    io.stderr(
      `tfe-bridge: ${url} answered ${response.status}: HCP Terraform would report the delivery as failed\n`,
    );
    return EXIT_FAILURE;
  },
};
