// `tfe-bridge send-test`: sign a payload the way HCP Terraform (or HCP) does and POST it, to check
// a deployed bridge or your own endpoint end to end. Sends the verification payload by default.
import { USER_AGENT } from '../core/deliver/request';
import { HCP_SIGNATURE_HEADER, signBody, TFE_SIGNATURE_HEADER } from '../core/receive/signature';
import { type Command, EXIT_FAILURE, EXIT_OK, parseOptions, UsageError } from './args';
import { PAYLOAD_OPTIONS, readPayloadOption } from './payload-option';

export const DEFAULT_SEND_TIMEOUT_MS = 10_000;
const TFE_VERIFICATION_FIXTURE = 'tfe-verification-captured';
const HCP_VERIFICATION_FIXTURE = 'hcp-verification';

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
  summary: 'sign a payload like HCP Terraform and POST it to a URL',
  usage: `tfe-bridge send-test --url URL [--token TOKEN] [--fixture NAME | --payload FILE] [--hcp]
                     [--timeout MS]

  --url URL        where to POST: a bridge route (.../hooks/ROUTE) or your own endpoint
  --token TOKEN    the notification configuration's token, the HMAC key (env TFE_BRIDGE_TOKEN);
                   without one the signature header is sent empty, as HCP Terraform does
  --fixture NAME   a bundled payload (default ${TFE_VERIFICATION_FIXTURE}, or ${HCP_VERIFICATION_FIXTURE} with --hcp)
  --payload FILE   your own payload, sent byte for byte
  --hcp            sign as an HCP project webhook (X-HCP-Webhook-Signature) instead of
                   HCP Terraform / TFE (X-TFE-Notification-Signature)
  --timeout MS     give up after this long (default ${DEFAULT_SEND_TIMEOUT_MS})
Prints the answer's status and body. Exit 0 on 2xx, 1 otherwise (as HCP Terraform would fail).

examples:
  tfe-bridge send-test --url http://127.0.0.1:8787/hooks/demo --token local-demo-signing-token
  tfe-bridge send-test --url https://bridge.example.com/hooks/prod-runs --token "$TOKEN" --fixture tfe-run-errored`,

  async run(argv, io) {
    const { values } = parseOptions(argv, {
      url: { type: 'string' },
      token: { type: 'string' },
      hcp: { type: 'boolean' },
      timeout: { type: 'string' },
      ...PAYLOAD_OPTIONS,
    });
    if (values.help) {
      io.stdout(`${this.usage}\n`);
      return EXIT_OK;
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
