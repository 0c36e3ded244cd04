// Child-process entry: starts one benchmark server and serves the parent over IPC, so the load
// generator and the server under test each get a core of their own.
import { pathToFileURL } from 'node:url';
import { startBareReceiver } from './servers/bare-receiver';
import type { BenchServer } from './servers/bench-server';
import { type BridgeLocalOptions, startBridgeLocal } from './servers/bridge-local';
import { startBridgeSinkReceiver } from './servers/bridge-sink-receiver';
import { startExpressReceiver } from './servers/express-receiver';
import { startHonoReceiver } from './servers/hono-receiver';

export const SERVER_KINDS = ['bare', 'express', 'hono', 'hono-store', 'bridge-sink', 'bridge-local'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export type ServerRequest = { type: 'stats' } | { type: 'close' };
export type ServerReply =
  | { type: 'ready'; url: string }
  | { type: 'stats'; stats: Record<string, number> }
  | { type: 'closed' };

/** Options of the servers that take any (the end-to-end bridge). */
export type ServerOptions = Partial<BridgeLocalOptions>;

function start(kind: ServerKind, options: ServerOptions): Promise<BenchServer> {
  switch (kind) {
    case 'bare':
      return startBareReceiver();
    case 'express':
      return startExpressReceiver();
    case 'hono':
      return startHonoReceiver();
    case 'hono-store':
      return startHonoReceiver({ storeJobs: true });
    case 'bridge-sink':
      return startBridgeSinkReceiver();
    case 'bridge-local':
      return startBridgeLocal({ ...options, destinations: options.destinations ?? [] });
  }
}

async function main(): Promise<void> {
  const kind = process.argv[2] as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind: ${kind}`);
  const server = await start(kind, JSON.parse(process.argv[3] ?? '{}') as ServerOptions);
  const send = (reply: ServerReply) => process.send?.(reply);
  process.on('message', async (request: ServerRequest) => {
    if (request.type === 'stats') send({ type: 'stats', stats: server.stats() });
    if (request.type === 'close') {
      await server.close();
      send({ type: 'closed' });
      process.disconnect();
    }
  });
  // An orphaned server would skew the next benchmark: leave with the parent.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url: server.url });
}

// Only as a forked entry: the parent imports this module's types, never its side effects.
if (process.send && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
