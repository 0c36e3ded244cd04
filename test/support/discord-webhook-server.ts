// A Discord webhook on 127.0.0.1 as shared/LIVE-MESSAGES.md §3 documents it: execute with
// ?wait=true answers the message object (with its id; 204 without wait), PATCH
// …/messages/{id} edits it, errors are {"message","code"}: 10008 Unknown Message (404), 10015
// Unknown Webhook (404), 30046 too many edits of an old message (status unverified: 400 here),
// 50035 Invalid Form Body past the embed limits, 429 + Retry-After with `retry_after`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DiscordMessage {
  id: string;
  content: string;
  embeds: Array<{ title?: string; description?: string; fields?: Array<{ name: string; value: string }> }>;
  edits: number;
}

export type DiscordFault = 'rate-limit' | 'edit-limit';

export interface DiscordWebhook {
  /** The webhook URL to configure (its token is in the path, as Discord's is). */
  url: string;
  messages(): DiscordMessage[];
  calls: Array<{ method: string; path: string }>;
  /** The next request gets `fault` instead. */
  failNext(fault: DiscordFault): void;
  deleteMessage(id: string): void;
  close(): Promise<void>;
}

const WEBHOOK_ID = '1100000000000000001';
const TOKEN = 'discord-webhook-token-abc123';

function embedsTooLong(embeds: DiscordMessage['embeds']): boolean {
  let total = 0;
  for (const embed of embeds) {
    if ((embed.description?.length ?? 0) > 4096 || (embed.title?.length ?? 0) > 256) return true;
    total += (embed.title?.length ?? 0) + (embed.description?.length ?? 0);
    for (const field of embed.fields ?? []) total += field.name.length + field.value.length;
  }
  return total > 6000 || embeds.length > 10;
}

export async function startDiscordWebhook(): Promise<DiscordWebhook> {
  const messages: DiscordMessage[] = [];
  const faults: DiscordFault[] = [];
  const calls: DiscordWebhook['calls'] = [];
  let next = 1_200_000_000_000_000_000n;
  const base = `/api/webhooks/${WEBHOOK_ID}/${TOKEN}`;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(
          status,
          body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        );
        response.end(body === undefined ? undefined : JSON.stringify(body));
      };
      const url = new URL(request.url ?? '/', 'http://localhost');
      calls.push({ method: request.method ?? '', path: `${url.pathname}${url.search}` });
      const fault = faults.shift();
      if (fault === 'rate-limit') {
        return send(
          429,
          { message: 'You are being rate limited.', retry_after: 0.05, global: false },
          { 'retry-after': '1' },
        );
      }
      if (!url.pathname.startsWith(base)) return send(404, { message: 'Unknown Webhook', code: 10015 });
      let body: { content?: unknown; embeds?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        return send(400, { message: 'Cannot send an empty message', code: 50006 });
      }
      const embeds = (Array.isArray(body.embeds) ? body.embeds : []) as DiscordMessage['embeds'];
      if (embedsTooLong(embeds)) return send(400, { message: 'Invalid Form Body', code: 50035, errors: {} });
      const content = typeof body.content === 'string' ? body.content : '';
      const view = (m: DiscordMessage, edited: boolean) => ({
        id: m.id,
        type: 0,
        channel_id: '1300000000000000001',
        webhook_id: WEBHOOK_ID,
        author: { id: WEBHOOK_ID, username: 'tfe-bridge', avatar: null, discriminator: '0000', bot: true },
        content: m.content,
        embeds: m.embeds,
        timestamp: '2026-11-30T20:00:00.000000+00:00',
        edited_timestamp: edited ? '2026-11-30T20:05:00.000000+00:00' : null,
      });
      if (request.method === 'POST' && url.pathname === base) {
        next += 1n;
        const message = { id: String(next), content, embeds, edits: 0 };
        messages.push(message);
        const wait = ['true', 'True', '1'].includes(url.searchParams.get('wait') ?? '');
        return wait ? send(200, view(message, false)) : send(204);
      }
      const edit = url.pathname.match(/^\/api\/webhooks\/[^/]+\/[^/]+\/messages\/([0-9]+)$/);
      if (request.method === 'PATCH' && edit) {
        const message = messages.find((m) => m.id === edit[1]);
        if (!message) return send(404, { message: 'Unknown Message', code: 10008 });
        if (fault === 'edit-limit') {
          return send(400, {
            message: 'Maximum number of edits to messages older than 1 hour reached. Try again later',
            code: 30046,
          });
        }
        Object.assign(message, { content, embeds, edits: message.edits + 1 });
        return send(200, view(message, true));
      }
      return send(405, { message: '405: Method Not Allowed', code: 0 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    messages: () => [...messages],
    calls,
    failNext: (fault) => faults.push(fault),
    deleteMessage(id) {
      const at = messages.findIndex((m) => m.id === id);
      if (at !== -1) messages.splice(at, 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
