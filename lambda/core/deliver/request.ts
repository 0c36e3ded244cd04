// The exact request a delivery sends: URL and auth from the secret store, static headers, the
// destination's named template secrets, and the rendered body. Delivery and `tfe-bridge render`
// both build it here, so what the CLI prints is what the bridge sends.

import { VERSION } from '../../version';
import { regionOfAwsUrl } from '../config/aws-iam';
import { type AwsTarget, awsTargetOf } from '../config/aws-targets';
import { urlProblem } from '../config/destination-url';
import { isValidHeaderValue } from '../config/headers';
import type { BridgeConfig, DestinationConfig, RouteConfig, SecretRef } from '../config/schema';
import { RequestError } from '../errors';
import type { AwsEndpointResolver, AwsRequestSigner, ClientTls, SecretStore } from '../ports';
import { destinationKey, groupFor, idempotencyKeyFor, jobIdFor } from '../receive/jobs';
import type { Notification } from '../receive/payloads';
import { MASK, redact } from '../redaction';
import type { Renderer } from '../render/templates';
import { buildAwsCall } from './aws-call';
import type { OAuth2Tokens } from './oauth2';
import { describeSignatureHeaders, signatureHeaders } from './sign';

export const USER_AGENT = `tfe-bridge/${VERSION} (+https://github.com/tfe-bridge/tfe-bridge)`;

export interface DeliveryTarget {
  route: RouteConfig;
  destination: DestinationConfig;
  render: Renderer;
}

/** Every destination of the config with its compiled template, keyed by `route/destination`:
 *  what local mode, the AWS worker and the CLI look a job's destination up in. */
export function buildTargets(
  config: BridgeConfig,
  renderers: ReadonlyMap<string, Renderer>,
): Map<string, DeliveryTarget> {
  const targets = new Map<string, DeliveryTarget>();
  for (const route of config.routes) {
    for (const destination of route.destinations) {
      const key = destinationKey(route.id, destination.id);
      const render = renderers.get(key);
      if (render) targets.set(key, { route, destination, render });
    }
  }
  return targets;
}

export interface OutgoingRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The client certificate, for a destination that requires mutual TLS. */
  tls?: ClientTls;
}

/** Where an oauth2 destination's token goes when no token is fetched (`render`). */
export const OAUTH2_TOKEN_PLACEHOLDER = '<oauth2 token>';

export interface BuildOptions {
  /** Bypass secret caches (after a 401: the token may have been rotated). */
  forceRefresh?: boolean;
  /** Receives every secret value read, so errors and printed requests can be redacted. */
  seen: Set<string>;
  /** Signs aws-iam requests; without one (`render`) the signature is shown as a placeholder. */
  signAws?: AwsRequestSigner | undefined;
  /** Where an AWS-native destination's API is (eventbridge, sns, sqs). */
  awsEndpoint?: AwsEndpointResolver | undefined;
  /** OAuth2 access tokens; without them (`render`) the header reads `Bearer <oauth2 token>`. */
  tokens?: OAuth2Tokens;
  /** The token a destination just answered 401 to: a new one is fetched instead. */
  rejectedToken?: string;
  /** The attempt's time (ms since the epoch), for a Standard Webhooks timestamp. Default: now. */
  now?: number;
  /** Write signature headers as a description instead of computing them (`render` without
   *  secrets: the placeholders are not keys). */
  describeSignatures?: boolean;
}

/** What `render` shows for a signature made only when the request is sent. */
export const AWS_IAM_PLACEHOLDER = "AWS4-HMAC-SHA256 <signed when sent, with the worker's AWS credentials>";

type ReadSecret = (ref: SecretRef) => Promise<string>;

async function resolveUrl(target: DeliveryTarget, read: ReadSecret): Promise<string> {
  const { url = '' } = target.destination;
  const value = typeof url === 'string' ? url : await read(url.secret);
  const problem = urlProblem(value, target.route.allowInsecureHttp);
  if (problem !== null) {
    const from = typeof url === 'string' ? '' : ` (from secret "${url.secret.secretId}")`;
    throw new RequestError(`destination URL${from} ${problem}`);
  }
  return new URL(value).toString();
}

async function oauth2Token(target: DeliveryTarget, read: ReadSecret, options: BuildOptions): Promise<string> {
  const { auth, timeoutMs } = target.destination;
  if (auth.type !== 'oauth2' || !options.tokens) return OAUTH2_TOKEN_PLACEHOLDER;
  const request = {
    tokenUrl: auth.tokenUrl,
    clientId: typeof auth.clientId === 'string' ? auth.clientId : await read(auth.clientId),
    clientSecret: await read(auth.clientSecret),
    clientAuth: auth.clientAuth,
    scope: auth.scope,
    audience: auth.audience,
    extraParams: auth.extraParams,
    timeoutMs,
    userAgent: USER_AGENT,
  };
  const key = destinationKey(target.route.id, target.destination.id);
  const token = await options.tokens.token(key, request, options.rejectedToken);
  options.seen.add(token);
  return token;
}

async function authHeaders(
  target: DeliveryTarget,
  read: ReadSecret,
  options: BuildOptions,
): Promise<Record<string, string>> {
  const { seen } = options;
  const { auth } = target.destination;
  switch (auth.type) {
    case 'none':
    case 'aws-iam': // signed once the whole request is built (signAwsIam)
      return {};
    case 'bearer':
      return { authorization: `Bearer ${await read(auth.secret)}` };
    case 'header':
      return { [auth.name.toLowerCase()]: `${auth.prefix ?? ''}${await read(auth.secret)}` };
    case 'basic': {
      const user = typeof auth.username === 'string' ? auth.username : await read(auth.username);
      const basic = Buffer.from(`${user}:${await read(auth.password)}`).toString('base64');
      seen.add(basic);
      return { authorization: `Basic ${basic}` };
    }
    case 'oauth2':
      return { authorization: `Bearer ${await oauth2Token(target, read, options)}` };
  }
}

async function templateSecrets(destination: DestinationConfig, read: ReadSecret) {
  const values: Record<string, string> = {};
  for (const [name, ref] of Object.entries(destination.secrets ?? {})) values[name] = await read(ref);
  return values;
}

/** Builds the request for one notification. Throws SecretError, TemplateError or RequestError. */
export async function buildRequest(
  target: DeliveryTarget,
  input: { body: string; notification: Notification },
  secrets: SecretStore,
  options: BuildOptions,
): Promise<OutgoingRequest> {
  const { seen } = options;
  const read: ReadSecret = async (ref) => {
    const value = await secrets.getSecret(ref, { forceRefresh: options.forceRefresh ?? false });
    seen.add(value);
    return value;
  };
  const aws = awsTargetOf(target.destination);
  if (aws) return buildAwsRequest(target, aws, input, read, options);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(target.destination.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  Object.assign(headers, await authHeaders(target, read, options), {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
  });
  // Config validation keeps this name distinct from every header set above.
  const { idempotencyHeader } = target.destination;
  const idempotencyKey = idempotencyKeyFor(target.route.id, target.destination, input.body);
  if (idempotencyHeader !== false && idempotencyKey !== null) {
    headers[idempotencyHeader.toLowerCase()] = idempotencyKey;
  }
  for (const [name, value] of Object.entries(headers)) {
    // fetch would refuse it with an error quoting the value, as a retried "network error".
    if (!isValidHeaderValue(value)) {
      throw new RequestError(
        `header "${name}" cannot be sent: its value has a line break, another control character or a character outside Latin-1 (check the secret it comes from)`,
      );
    }
  }
  const url = await resolveUrl(target, read);
  // Secrets are read before rendering, so a template error that quotes one is redacted too.
  const body = await target.render({ ...input, secrets: await templateSecrets(target.destination, read) });
  const { sign } = target.destination;
  if (sign) {
    // Over the exact body sent; webhook-id is the idempotency key even when that header is off.
    const signing = {
      id: jobIdFor(target.route.id, target.destination.id, input.body),
      now: options.now ?? Date.now(),
      body,
    };
    const signed = options.describeSignatures
      ? describeSignatureHeaders(sign, signing)
      : await signatureHeaders(sign, signing, read);
    Object.assign(headers, signed);
  }
  const tls = await clientTls(target.destination, url, read);
  const request: OutgoingRequest = { method: 'POST', url, headers, body, ...(tls ? { tls } : {}) };
  // SigV4 covers every header above, signature headers included: it is the last step.
  const { auth } = target.destination;
  if (auth.type !== 'aws-iam') return request;
  return signAwsIam(request, { service: auth.service, region: auth.region ?? regionOfAwsUrl(url) }, options);
}

/** An AWS-native destination's request: the API call carrying the rendered body, signed. */
async function buildAwsRequest(
  target: DeliveryTarget,
  aws: AwsTarget,
  input: { body: string; notification: Notification },
  read: ReadSecret,
  options: BuildOptions,
): Promise<OutgoingRequest> {
  const { route, destination } = target;
  const body = await target.render({ ...input, secrets: await templateSecrets(destination, read) });
  if (!options.awsEndpoint) throw new RequestError(`${aws.kind}: no AWS endpoint resolver was given`);
  const jobId = jobIdFor(route.id, destination.id, input.body);
  const context = {
    jobId,
    group: groupFor(route.id, destination, input.notification, jobId),
    trigger: input.notification.triggers[0],
    kind: input.notification.kind,
  };
  const call = buildAwsCall(aws, body, context, options.awsEndpoint);
  const request: OutgoingRequest = {
    method: 'POST',
    url: call.url,
    headers: { ...call.headers, 'user-agent': USER_AGENT },
    body: call.body,
  };
  return signAwsIam(request, { service: aws.service, region: call.region }, options);
}

async function clientTls(
  destination: DestinationConfig,
  url: string,
  read: ReadSecret,
): Promise<ClientTls | undefined> {
  const { tls } = destination;
  if (!tls) return undefined;
  // Over plain http a client certificate would never be presented: fail rather than send without.
  if (!url.startsWith('https:')) throw new RequestError('tls (a client certificate) needs an https URL');
  return {
    cert: await read(tls.cert),
    key: await read(tls.key),
    ...(tls.ca ? { ca: await read(tls.ca) } : {}),
  };
}

/** SigV4 over the exact URL, headers and body that are sent, so it is the last step. */
async function signAwsIam(
  request: OutgoingRequest,
  scope: { service: string; region: string | undefined },
  { signAws, seen }: BuildOptions,
): Promise<OutgoingRequest> {
  if (!signAws) return { ...request, headers: { ...request.headers, authorization: AWS_IAM_PLACEHOLDER } };
  const signed = await signAws(request, scope);
  // A session token is a credential: masked wherever the request is shown or quoted.
  const token = signed['x-amz-security-token'];
  if (token) seen.add(token);
  return { ...request, headers: { ...request.headers, ...signed } };
}

/** The request with every secret value read while building it replaced by `***`. A header value
 *  is also masked word by word, so even a one-character token is hidden there. */
export function maskRequest(request: OutgoingRequest, seen: Iterable<string>): OutgoingRequest {
  const values = [...seen].filter((value) => value.trim() !== '');
  const maskHeader = (value: string) =>
    redact(value, values)
      .split(/(\s+)/)
      .map((word) => (values.includes(word) ? MASK : word))
      .join('');
  return {
    method: request.method,
    url: redact(request.url, values),
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, maskHeader(v)])),
    body: redact(request.body, values),
    ...(request.tls ? { tls: { cert: MASK, key: MASK, ...(request.tls.ca ? { ca: MASK } : {}) } } : {}),
  };
}
