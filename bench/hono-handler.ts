// The cold-start reference for the receiver, "Hono alone" on hono/aws-lambda: read the raw body,
// verify its HMAC, parse it, answer 202, with none of the bridge (no secret fetch, no queue).
// What separates the receiver from it is the bridge's own work at start and on the first request.
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { TFE_SIGNATURE_HEADER } from '../lambda/core/receive/signature';
import { isSignedJson } from './signed-body';

const app = new Hono().post('/hooks/:routeId', async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  if (!isSignedJson(body, c.req.header(TFE_SIGNATURE_HEADER))) {
    return c.json({ error: 'invalid_signature' }, 401);
  }
  return c.json({ accepted: [] }, 202);
});

export const handler = handle(app);
