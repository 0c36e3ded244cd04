// Parent side of server-process.ts: forks a benchmark server into its own node process.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ServerKind, ServerOptions, ServerReply, ServerRequest } from './server-process';

const ENTRY = join(import.meta.dirname, 'server-process.ts');
const START_TIMEOUT_MS = 20_000;

export interface ServerChild {
  kind: ServerKind;
  url: string;
  pid: number;
  stats(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

function nextReply<T extends ServerReply['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ServerReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`server child: no "${type}" within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (reply: ServerReply) => {
      if (reply.type !== type) return;
      cleanup();
      resolve(reply as Extract<ServerReply, { type: T }>);
    };
    const onExit = (code: number | null) => fail(new Error(`server child exited (${code}) before "${type}"`));
    function cleanup() {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    }
    function fail(error: Error) {
      cleanup();
      reject(error);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function startServerChild(kind: ServerKind, options: ServerOptions = {}): Promise<ServerChild> {
  // tsx as a loader, not its CLI: one process, no watcher, nothing between us and the server.
  // BENCH_SERVER_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the server.
  const extra = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = fork(ENTRY, [kind, JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', ...extra],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await nextReply(child, 'ready', START_TIMEOUT_MS);
  const request = (message: ServerRequest) => child.send(message);
  return {
    kind,
    url: ready.url,
    pid: child.pid ?? -1,
    async stats() {
      const reply = nextReply(child, 'stats', 5_000);
      request({ type: 'stats' });
      return (await reply).stats;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      request({ type: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
