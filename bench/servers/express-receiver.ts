// Baseline (b): what a user would write by hand: Express 5 with the raw-body parser, same HMAC check and parse.
import { createServer } from 'node:http';
import express from 'express';
import { TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { isSignedJson } from '../signed-body';
import { type BenchServer, closeServer, listenLocal } from './bench-server';

export async function startExpressReceiver(): Promise<BenchServer> {
  let verified = 0;
  const app = express();
  app.post('/hooks/:routeId', express.raw({ type: 'application/json', limit: '1mb' }), (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!isSignedJson(body, req.header(TFE_SIGNATURE_HEADER))) {
      res.status(401).json({ error: 'invalid_signature' });
      return;
    }
    verified++;
    res.status(200).json({ status: 'ok' });
  });
  // app.listen would pick its own host; a plain server keeps the same listen/close as the others.
  const server = createServer(app);
  const url = await listenLocal(server);
  return { url, stats: () => ({ verified }), close: () => closeServer(server) };
}
