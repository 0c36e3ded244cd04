// An HTTP proxy in front of the SQS emulator, speaking the same JSON 1.0 protocol. It does two
// things the emulator cannot: make SendMessageBatch report chosen entries as `Failed` (the
// emulator never does for FIFO queues), and undo an emulator deviation from SQS, which counts a
// ChangeMessageVisibility as a receive in ApproximateReceiveCount (real SQS does not, and the
// worker uses that count as the attempt number). A poller that keeps visibility on its own clock
// (fifo-poller.ts) may also see and replace each visibility change before the emulator does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const JSON_10 = 'application/x-amz-json-1.0';

interface BatchEntry {
  Id: string;
  ReceiptHandle?: string;
  [field: string]: unknown;
}

interface ReceivedMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Attributes?: Record<string, string>;
}

/** Sees a ChangeMessageVisibility (or one batch entry) and may replace its timeout. */
export type VisibilityRewrite = (
  receiptHandle: string,
  visibilityTimeoutSeconds: number,
) => number | undefined;

export interface SqsProxy {
  endpoint: string;
  /** The entry with batch id `id` comes back Failed the next `times` times it is sent. */
  failEntry(id: string, times?: number, code?: string): void;
  /** SendMessageBatch calls seen, with the entry ids of each. */
  readonly batches: string[][];
  /** Requests seen per action (`SendMessageBatch`, `ReceiveMessage`, ...): what SQS would bill. */
  readonly requests: Readonly<Record<string, number>>;
  /** Runs `rewrite` on every visibility change from now on; returns the undo. */
  rewriteVisibility(rewrite: VisibilityRewrite): () => void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': JSON_10 }).end(JSON.stringify(body));
}

export async function startSqsProxy(upstream: string): Promise<SqsProxy> {
  const toFail = new Map<string, { times: number; code: string }>();
  const batches: string[][] = [];
  const requests: Record<string, number> = {};
  /** Receipt handle → message id, learnt from ReceiveMessage answers. */
  const messageIds = new Map<string, string>();
  /** Receive counts the emulator added for visibility changes, per message id. */
  const extraReceives = new Map<string, number>();
  const rewrites = new Set<VisibilityRewrite>();

  const forward = async (req: IncomingMessage, body: Buffer | string) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name))
        headers.set(name, value);
    }
    const res = await fetch(new URL(req.url ?? '/', upstream), {
      method: req.method ?? 'POST',
      headers,
      body,
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  /** `entry` with its VisibilityTimeout as the rewrites leave it. */
  const rewritten = <T extends Record<string, unknown>>(entry: T): T => {
    let seconds = Number(entry.VisibilityTimeout);
    for (const rewrite of rewrites) seconds = rewrite(String(entry.ReceiptHandle), seconds) ?? seconds;
    return { ...entry, VisibilityTimeout: seconds };
  };

  const countVisibilityChange = (receiptHandle: string | undefined) => {
    const id = receiptHandle ? messageIds.get(receiptHandle) : undefined;
    if (id) extraReceives.set(id, (extraReceives.get(id) ?? 0) + 1);
  };

  async function sendMessageBatch(
    req: IncomingMessage,
    res: ServerResponse,
    input: { Entries: BatchEntry[] },
  ) {
    batches.push(input.Entries.map((e) => e.Id));
    const failed: Array<{ Id: string; Code: string; Message: string; SenderFault: boolean }> = [];
    const passing: BatchEntry[] = [];
    for (const entry of input.Entries) {
      const fault = toFail.get(entry.Id);
      if (fault && fault.times > 0) {
        fault.times--;
        failed.push({
          Id: entry.Id,
          Code: fault.code,
          Message: 'injected by the test proxy',
          SenderFault: false,
        });
      } else {
        passing.push(entry);
      }
    }
    let successful: unknown[] = [];
    if (passing.length > 0) {
      const upstreamRes = await forward(req, JSON.stringify({ ...input, Entries: passing }));
      const answer = JSON.parse(upstreamRes.text) as { Successful?: unknown[]; Failed?: typeof failed };
      if (upstreamRes.status !== 200) return send(res, upstreamRes.status, answer);
      successful = answer.Successful ?? [];
      failed.push(...(answer.Failed ?? []));
    }
    send(res, 200, { Successful: successful, ...(failed.length > 0 ? { Failed: failed } : {}) });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { __type: 'com.amazonaws.sqs#InternalError', message: `test proxy: ${String(error)}` });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.replace(/^AmazonSQS\./, '');
    requests[action] = (requests[action] ?? 0) + 1;
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    if (target === 'AmazonSQS.SendMessageBatch') {
      return sendMessageBatch(req, res, input as unknown as { Entries: BatchEntry[] });
    }
    let forwarded: Buffer | string = body;
    if (rewrites.size > 0 && target === 'AmazonSQS.ChangeMessageVisibility') {
      forwarded = JSON.stringify(rewritten(input));
    } else if (rewrites.size > 0 && target === 'AmazonSQS.ChangeMessageVisibilityBatch') {
      forwarded = JSON.stringify({
        ...input,
        Entries: ((input.Entries as BatchEntry[]) ?? []).map(rewritten),
      });
    }
    const upstreamRes = await forward(req, forwarded);
    let text = upstreamRes.text;
    if (upstreamRes.status === 200) {
      if (target === 'AmazonSQS.ReceiveMessage' && text !== '') {
        const answer = JSON.parse(text) as { Messages?: ReceivedMessage[] };
        for (const message of answer.Messages ?? []) {
          if (!message.MessageId || !message.ReceiptHandle) continue;
          messageIds.set(message.ReceiptHandle, message.MessageId);
          const extra = extraReceives.get(message.MessageId) ?? 0;
          const count = message.Attributes?.ApproximateReceiveCount;
          if (message.Attributes && count !== undefined) {
            message.Attributes.ApproximateReceiveCount = String(Number(count) - extra);
          }
        }
        text = JSON.stringify(answer);
      } else if (target === 'AmazonSQS.ChangeMessageVisibility') {
        countVisibilityChange(input.ReceiptHandle as string | undefined);
      } else if (target === 'AmazonSQS.ChangeMessageVisibilityBatch') {
        const ok = new Set(
          ((JSON.parse(text) as { Successful?: BatchEntry[] }).Successful ?? []).map((s) => s.Id),
        );
        for (const entry of (input.Entries as BatchEntry[]) ?? []) {
          if (ok.has(entry.Id)) countVisibilityChange(entry.ReceiptHandle);
        }
      }
    }
    res
      .writeHead(upstreamRes.status, { 'content-type': upstreamRes.headers.get('content-type') ?? JSON_10 })
      .end(text);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    failEntry(id, times = 1, code = 'InternalError') {
      toFail.set(id, { times, code });
    },
    batches,
    requests,
    rewriteVisibility(rewrite) {
      rewrites.add(rewrite);
      return () => rewrites.delete(rewrite);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
