// The TlsFetch port on node:https: a POST with a client certificate (mutual TLS), answered as a
// fetch Response so the delivery code treats it like any other. Global fetch cannot present a
// client certificate without the undici package; node:https can. One keep-alive agent per
// certificate, so repeated deliveries reuse the TLS session.
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { ClientTls, TlsFetch } from '../core/ports';

/** Statuses whose Response must have no body (the constructor refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);
const MAX_AGENTS = 32;

export function createTlsFetch(): TlsFetch {
  const agents = new Map<string, Agent>();
  const agentFor = (tls: ClientTls): Agent => {
    const key = createHash('sha256')
      .update(`${tls.cert}\0${tls.key}\0${tls.ca ?? ''}`)
      .digest('hex');
    let agent = agents.get(key);
    if (!agent) {
      // A rotated certificate makes a new agent: drop the oldest rather than grow without end.
      if (agents.size >= MAX_AGENTS) {
        const [oldest] = agents;
        oldest?.[1].destroy();
        if (oldest) agents.delete(oldest[0]);
      }
      // `ca` adds to the system's trust store rather than replacing it.
      const ca = tls.ca === undefined ? undefined : [...rootCertificates, tls.ca];
      agent = new Agent({ keepAlive: true, cert: tls.cert, key: tls.key, ...(ca ? { ca } : {}) });
      agents.set(key, agent);
    }
    return agent;
  };

  return (url, init, tls) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') {
        reject(new TypeError('a client certificate needs an https URL'));
        return;
      }
      const headers = new Headers(init.headers);
      const body = typeof init.body === 'string' ? init.body : '';
      const outgoing = request(
        target,
        {
          method: init.method ?? 'POST',
          agent: agentFor(tls),
          headers: { ...Object.fromEntries(headers), 'content-length': String(Buffer.byteLength(body)) },
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (incoming) => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
              responseHeaders.append(name, item);
            }
          }
          const status = incoming.statusCode ?? 0;
          const stream = NULL_BODY.has(status)
            ? null
            : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
          if (stream === null) incoming.resume();
          try {
            resolve(new Response(stream, { status, headers: responseHeaders }));
          } catch (error) {
            // A status outside 200-599, which fetch would refuse as well.
            incoming.destroy();
            reject(new TypeError('fetch failed', { cause: error }));
          }
        },
      );
      // The same shape as fetch's errors: a TypeError whose cause has node's `code`.
      outgoing.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      outgoing.end(body);
    });
}
