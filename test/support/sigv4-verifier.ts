// A destination's side of AWS IAM auth, for tests: recomputes a received request's SigV4
// signature with the SDK's own signer (@smithy/signature-v4) from the secret key, over the headers
// the request says it signed and the body as received, and says whether it matches.
import { SignatureV4 } from '@smithy/signature-v4';
import type { ReceivedRequest } from './destination-server';
import { NodeSha256 } from './node-sha256';

export interface SigV4Check {
  valid: boolean;
  service: string;
  region: string;
  signedHeaders: string[];
}

export async function verifySigV4(
  request: ReceivedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
): Promise<SigV4Check> {
  const authorization = String(request.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return { valid: false, service: '', region: '', signedHeaders: [] };
  const [, keyId, , region = '', service = '', signedList = ''] = match;
  const signedHeaders = signedList.split(';');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) headers[name] = String(request.headers[name] ?? '');
  const url = new URL(request.path, `http://${headers.host}`);
  const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256, applyChecksum: false });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: request.body,
    },
    { signingDate: date },
  );
  return {
    valid: keyId === credentials.accessKeyId && expected.headers.authorization === authorization,
    service,
    region,
    signedHeaders,
  };
}
