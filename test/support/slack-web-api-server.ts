// A Slack Web API on 127.0.0.1 speaking chat.postMessage and chat.update as shared/LIVE-MESSAGES.md
// §2 documents them: JSON bodies with `Authorization: Bearer xoxb-…`, errors as HTTP 200
// {"ok":false,"error":code}, rate limits as 429 + Retry-After. It keeps the channel's messages, so
// a test reads what a person would see.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackMessage {
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  edits: number;
}

export type SlackFault = { status: 429; retryAfter: number } | { error: string };

export interface SlackWebApi {
  /** The Web API base to configure as the destination's url (`…/api`). */
  url: string;
  /** The channel's messages, oldest first (replies have threadTs). */
  messages(channel?: string): SlackMessage[];
  /** Every call, in order: method and the JSON body. */
  calls: Array<{ method: string; body: Record<string, unknown>; authorization: string | undefined }>;
  /** The next call of `method` gets `fault` instead (queued: one per call). */
  failNext(method: string, fault: SlackFault): void;
  /** A person deleted the message. */
  deleteMessage(ts: string): void;
  close(): Promise<void>;
}

export const SLACK_CHANNEL_ID = 'C0LIVE00001';

export async function startSlackWebApi(options: {
  token: string;
  channels?: string[];
}): Promise<SlackWebApi> {
  const channels = new Set(options.channels ?? [SLACK_CHANNEL_ID]);
  const history = new Map<string, SlackMessage[]>();
  const faults: Array<{ method: string; fault: SlackFault }> = [];
  const calls: SlackWebApi['calls'] = [];
  let clock = 1_700_000_000;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        response.end(JSON.stringify(body));
      };
      const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(200, { ok: false, error: 'invalid_json' });
      }
      calls.push({ method, body, authorization: request.headers.authorization });
      if (request.method !== 'POST') return send(405, { ok: false, error: 'method_not_allowed' });
      const index = faults.findIndex((f) => f.method === method);
      if (index !== -1) {
        const fault = faults.splice(index, 1)[0]?.fault as SlackFault;
        if ('status' in fault) {
          return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
        }
        return send(200, { ok: false, error: fault.error });
      }
      if (!request.headers.authorization) return send(200, { ok: false, error: 'not_authed' });
      if (request.headers.authorization !== `Bearer ${options.token}`) {
        return send(200, { ok: false, error: 'invalid_auth' });
      }
      if (!String(request.headers['content-type']).startsWith('application/json')) {
        return send(200, { ok: false, error: 'invalid_arguments' });
      }
      const channel = String(body.channel ?? '');
      if (!channels.has(channel)) return send(200, { ok: false, error: 'channel_not_found' });
      const list = history.get(channel) ?? [];
      history.set(channel, list);
      const text = typeof body.text === 'string' ? body.text : '';
      const blocks = Array.isArray(body.blocks) ? body.blocks : [];
      if (text === '' && blocks.length === 0) return send(200, { ok: false, error: 'no_text' });
      if (method === 'chat.postMessage') {
        clock += 1;
        const ts = `${clock}.000100`;
        const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
        list.push({ ts, text, blocks, edits: 0, ...(threadTs ? { threadTs } : {}) });
        return send(200, {
          ok: true,
          channel,
          ts,
          message: { type: 'message', text, blocks, ts, bot_id: 'B0LIVE' },
        });
      }
      if (method === 'chat.update') {
        const message = list.find((m) => m.ts === body.ts);
        if (!message) return send(200, { ok: false, error: 'message_not_found' });
        Object.assign(message, { text, blocks, edits: message.edits + 1 });
        return send(200, { ok: true, channel, ts: message.ts, text, message: { text, blocks } });
      }
      return send(200, { ok: false, error: 'unknown_method' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    messages: (channel = SLACK_CHANNEL_ID) => [...(history.get(channel) ?? [])],
    calls,
    failNext: (method, fault) => faults.push({ method, fault }),
    deleteMessage(ts) {
      for (const list of history.values()) {
        const at = list.findIndex((m) => m.ts === ts);
        if (at !== -1) list.splice(at, 1);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
