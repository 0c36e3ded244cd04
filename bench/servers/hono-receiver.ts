// Baseline (b'): the least a receiver can do on the chosen stack, Hono on @hono/node-server:
// read the raw body, verify its HMAC, parse it, 200. What separates it from bare node:http is the
// framework's own cost; what separates tfe-bridge from it is the bridge's work.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { TFE_SIGNATURE_HEADER } from '../../lambda/core/receive/signature';
import { isSignedJson } from '../signed-body';
import { type BenchServer, closeServer } from './bench-server';

export async function startHonoReceiver(): Promise<BenchServer> {
  let verified = 0;
  const app = new Hono();
  app.post('/hooks/:routeId', async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    if (!isSignedJson(body, c.req.header(TFE_SIGNATURE_HEADER))) {
      return c.json({ error: 'invalid_signature' }, 401);
    }
    verified++;
    return c.json({ status: 'ok' }, 200);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started as Server),
    );
    started.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, stats: () => ({ verified }), close: () => closeServer(server) };
}
