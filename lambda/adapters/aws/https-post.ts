// One POST over node:http(s) with keep-alive, the transport of aws-json-client.ts. Not fetch: on
// a cold start node's fetch (undici) costs 25-65 ms more for its first request than node:http
// (it compiles its WebAssembly HTTP parser then), and the receiver's first answer waits for two.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface PostResponse {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

// Kept alive across invocations: a warm Lambda reuses its TLS connection to SQS/Secrets Manager.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Rejects with node's socket error (`code`: ECONNREFUSED, ECONNRESET...) or on `signal`. */
export function postOnce(
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: string,
  signal: AbortSignal,
): Promise<PostResponse> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'POST',
        agent: https ? agents.https : agents.http,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        signal,
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            header: (name) => {
              const value = response.headers[name];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    // An abort after the answer began still has to settle the promise.
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    request.end(body);
  });
}
