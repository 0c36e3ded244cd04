// A hand-built AWS request signed with SigV4 (the SDK's signer), for checking the AWS fakes at the
// wire level, below what the SDK clients tolerate.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from './aws-fake-http';
import { NodeSha256 } from './node-sha256';

export interface SignedAwsRequest {
  service: string;
  region: string;
  credentials: AwsCredentials;
  headers: Record<string, string>;
  body: string;
}

/** POSTs `body` to `endpoint`/ signed for `service` in `region`. */
export async function signedAwsFetch(endpoint: string, request: SignedAwsRequest): Promise<Response> {
  const url = new URL(endpoint);
  const { service, region, credentials } = request;
  const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, ...request.headers },
    body: request.body,
  });
  const { host: _host, ...headers } = signed.headers;
  return fetch(new URL('/', endpoint), { method: 'POST', headers, body: request.body });
}
