// A cold-start reference between the empty handler and the receiver: Hono on hono/aws-lambda
// answering 202, with none of the bridge. Shows what the web framework alone costs at start.
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

export const handler = handle(new Hono().post('/hooks/:routeId', (c) => c.json({ accepted: [] }, 202)));
