// A destination on 127.0.0.1 that answers with a huge body, written as fast as the connection
// takes it, and counts what it managed to write: how much of a body the bridge read is measured
// on the server's side, not in the bridge's memory.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StreamingDestination {
  url: string;
  /** Requests that arrived. */
  readonly requests: number;
  /** Body bytes handed to the connection so far, over every request. */
  readonly written: number;
  /** Resolves once every response so far has ended: true when the client closed one before its
   *  whole body was written. */
  settled(): Promise<boolean>;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

export async function startStreamingDestination(
  status: number,
  totalBytes: number,
  prefix = '',
): Promise<StreamingDestination> {
  let requests = 0;
  let written = 0;
  const endings: Promise<boolean>[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      open.add(res);
      endings.push(new Promise((resolve) => res.on('close', () => resolve(!res.writableFinished))));
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(totalBytes) });
      let sent = 0;
      if (prefix !== '') {
        res.write(prefix);
        sent += Buffer.byteLength(prefix);
        written += Buffer.byteLength(prefix);
      }
      const pump = () => {
        while (sent < totalBytes && !res.destroyed) {
          const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, totalBytes - sent));
          sent += chunk.length;
          written += chunk.length;
          // Wait for the connection to take it before writing more, so `written` is what the
          // client could have read (plus the socket buffers), not what piled up here.
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (sent >= totalBytes) res.end();
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get written() {
      return written;
    },
    async settled() {
      return (await Promise.all(endings)).some(Boolean);
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
