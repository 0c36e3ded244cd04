// A destination for the README walk-through: prints what the bridge delivers, and answers 401
// unless the bearer token matches (like the forum post's callback API).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const PORT = Number(process.env.ECHO_PORT ?? 9999);
const TOKEN = process.env.ECHO_TOKEN ?? 'bfa620013597e9c30c179037ad74527a4956a561';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
    process.stdout.write(
      `${req.method} ${req.url} -> ${authorized ? 200 : 401}\ncontent-type: ${req.headers['content-type']}\n` +
        `authorization: ${authorized ? 'matches the token' : req.headers.authorization ? 'wrong token' : '(none)'}\n${Buffer.concat(chunks)}\n\n`,
    );
    res.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
// ECHO_PORT=0 picks a free port: print the one the system gave.
server.listen(PORT, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`echo destination on http://127.0.0.1:${port}\n`);
});
