// The cold-start reference for the receiver, "Hono alone" on hono/aws-lambda: read the raw body,
// verify its HMAC, parse it, answer 202, with none of the bridge (no secret fetch, no queue).
// What separates the receiver from it is the bridge's own work at start and on the first request.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { BENCH_SIGNING_SECRET } from './bench-secret';

const app = new Hono().post('/hooks/:routeId', async (c) => {
  const body = Buffer.from(await c.req.arrayBuffer());
  const expected = createHmac('sha512', BENCH_SIGNING_SECRET).update(body).digest();
  const given = Buffer.from(c.req.header('x-tfe-notification-signature') ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return c.json({ error: 'invalid_signature' }, 401);
  }
  JSON.parse(body.toString('utf8'));
  return c.json({ accepted: [] }, 202);
});

export const handler = handle(app);
