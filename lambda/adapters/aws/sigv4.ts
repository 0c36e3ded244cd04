// AWS Signature Version 4 for request headers, on node:crypto: what the Lambdas' AWS calls (and
// aws-iam deliveries) need without the SDK's signer (and the 350 kB of SDK around it). Same canonical form as
// @smithy/signature-v4, checked against it and AWS's published test vectors in the tests.
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface RequestToSign {
  method: string;
  url: URL;
  /** Every header here is signed; `host` is taken from the URL when absent. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface SigningContext {
  credentials: AwsCredentials;
  region: string;
  /** The signing name: `sqs`, `secretsmanager`. */
  service: string;
  date: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding: encodeURIComponent leaves `!'()*` alone, SigV4 does not. */
const escapeUri = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `20150830T123600Z` */
export const amzDate = (date: Date): string => date.toISOString().replace(/[-:]|\.\d{3}/g, '');

/** Normalised (`.`/`..`/empty segments dropped) and escaped once, as the SDK does for non-S3. */
function canonicalPath(url: URL): string {
  const segments: string[] = [];
  for (const segment of url.pathname.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(escapeUri(decodeURIComponent(segment)));
  }
  const trailing = segments.length > 0 && url.pathname.endsWith('/') ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([key, value]) => [escapeUri(key), escapeUri(value)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** Header values trimmed, inner runs of spaces collapsed, as the canonical form requires. */
const canonicalValue = (value: string) =>
  value
    .replace(/[\r\n]/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();

// Derived keys depend only on the day, region and service: one HMAC chain per day, not per call.
const signingKeys = new Map<string, Buffer>();

function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  const cacheKey = `${day}/${region}/${service}/${sha256Hex(secretAccessKey)}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service), 'aws4_request');
    if (signingKeys.size >= 16) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * The headers to add to the request: `x-amz-date`, `x-amz-security-token` with temporary
 * credentials, and `authorization`.
 */
export function signRequest(request: RequestToSign, context: SigningContext): Record<string, string> {
  const { credentials, region, service } = context;
  const longDate = amzDate(context.date);
  const day = longDate.slice(0, 8);
  const added: Record<string, string> = { 'x-amz-date': longDate };
  if (credentials.sessionToken) added['x-amz-security-token'] = credentials.sessionToken;

  const headers = new Map<string, string>([['host', request.url.host]]);
  for (const [name, value] of Object.entries({ ...request.headers, ...added })) {
    headers.set(name.toLowerCase(), canonicalValue(value));
  }
  const names = [...headers.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.url),
    canonicalQuery(request.url),
    ...names.map((name) => `${name}:${headers.get(name)}`),
    '',
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, longDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, region, service))
    .update(stringToSign, 'utf8')
    .digest('hex');
  return {
    ...added,
    authorization: `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
