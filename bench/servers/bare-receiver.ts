// Baseline (a): the least a receiver can do on node:http: buffer the body, verify its HMAC, 200.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { BENCH_SIGNING_SECRET } from '../notifications';
import { type BenchServer, closeServer, listenLocal } from './bench-server';

const SHA512_HEX = /^[0-9a-f]{128}$/i;

/** The check every hand-written receiver needs; shared by the bare and Express baselines. */
export function isSignedBody(body: Buffer, signature: string | string[] | undefined): boolean {
  if (typeof signature !== 'string' || !SHA512_HEX.test(signature)) return false;
  const expected = createHmac('sha512', BENCH_SIGNING_SECRET).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

export async function startBareReceiver(): Promise<BenchServer> {
  let verified = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const ok = isSignedBody(Buffer.concat(chunks), req.headers[TFE_SIGNATURE_HEADER]);
      if (ok) verified++;
      res
        .writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
        .end(ok ? '{"status":"ok"}' : '{"error":"invalid_signature"}');
    });
  });
  const url = await listenLocal(server);
  return { url, stats: () => ({ verified }), close: () => closeServer(server) };
}
