// Baseline (a): the least a receiver can do on node:http: buffer the body, verify its HMAC, parse it, 200.
import { createServer } from 'node:http';
import { TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { isSignedJson } from '../signed-body';
import { type BenchServer, closeServer, listenLocal } from './bench-server';

export async function startBareReceiver(): Promise<BenchServer> {
  let verified = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const ok = isSignedJson(Buffer.concat(chunks), req.headers[TFE_SIGNATURE_HEADER]);
      if (ok) verified++;
      res
        .writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
        .end(ok ? '{"status":"ok"}' : '{"error":"invalid_signature"}');
    });
  });
  const url = await listenLocal(server);
  return { url, stats: () => ({ verified }), close: () => closeServer(server) };
}
