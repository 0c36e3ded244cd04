// An AWS endpoint as a Lambda function reaches it: over TLS, with a network round trip. The local
// fakes answer plain http on 127.0.0.1 at once, where the first connection costs nothing to wait
// for. In front of one, this proxy delays every chunk by half the round trip in each direction
// (the TLS handshake included, as on a network; a new connection waits one more round trip, for
// TCP's own handshake), terminates TLS with the test server certificate
// (test/support/tls: 127.0.0.1, signed by its test CA, which the probe trusts through
// NODE_EXTRA_CA_CERTS) and passes the plain bytes on.
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

const TLS_DIR = join(import.meta.dirname, '..', 'test', 'support', 'tls');
/** The CA that signed the proxy's certificate: NODE_EXTRA_CA_CERTS for a process that calls it. */
export const TEST_CA_PATH = join(TLS_DIR, 'ca.pem');

export interface TlsLatencyProxy {
  /** `https://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Sends what `from` reads to `to`, each chunk `delayMs` later (equal delays keep the order). */
function pipeDelayed(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', () => to.destroy());
  from.on('close', () => setTimeout(() => to.destroy(), delayMs));
}

function pipePlain(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
}

const listen = (server: Server) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

const closeAll = (server: Server, sockets: Set<Socket>) =>
  new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

export async function startTlsLatencyProxy(target: string, roundTripMs: number): Promise<TlsLatencyProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    // Every chunk goes out as it comes: Nagle's algorithm would hold small ones for a delayed
    // ACK (40 ms on Linux), a wait no real endpoint adds.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  const tls = createTlsServer(
    { cert: readFileSync(join(TLS_DIR, 'server.pem')), key: readFileSync(join(TLS_DIR, 'server.key')) },
    (clear: TLSSocket) => {
      track(clear);
      pipePlain(clear, track(tcpConnect(Number(upstream.port), upstream.hostname)));
    },
  );
  const tlsPort = await listen(tls);
  const network = createServer((outside) => {
    track(outside);
    const inside = track(tcpConnect(tlsPort, '127.0.0.1'));
    pipeDelayed(outside, inside, roundTripMs / 2);
    pipeDelayed(inside, outside, roundTripMs / 2);
    // The kernel accepted at once; on a network, the first bytes leave a round trip later.
    outside.pause();
    setTimeout(() => outside.resume(), roundTripMs);
  });
  const port = await listen(network);
  return {
    url: `https://127.0.0.1:${port}`,
    async close() {
      await Promise.all([closeAll(network, sockets), closeAll(tls, sockets)]);
    },
  };
}
