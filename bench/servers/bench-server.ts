// What every benchmark server offers the child-process harness: its URL, counters, and close().
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchServer {
  url: string;
  /** Counters the parent reads after a run, to check the server did the work it was sent. */
  stats(): Record<string, number>;
  close(): Promise<void>;
}

export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
