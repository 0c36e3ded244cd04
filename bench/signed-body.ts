// The work every hand-written baseline receiver does (bare, Express, Hono alone on a server and on
// Lambda), as issue 16 defines "Hono alone": verify the body's HMAC with the benchmarks' token,
// then parse it. Kept free of the fixtures loader, so the Lambda baseline's bundle can use it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BENCH_SIGNING_SECRET } from './bench-secret';

const SHA512_HEX = /^[0-9a-f]{128}$/i;

function isSignedBody(body: Buffer, signature: string | string[] | undefined): boolean {
  if (typeof signature !== 'string' || !SHA512_HEX.test(signature)) return false;
  const expected = createHmac('sha512', BENCH_SIGNING_SECRET).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/** The body as text and parsed when it is signed with the benchmarks' token, as a receiver must
 *  parse it before it can answer (a body that is not JSON throws); undefined when it is not. */
export function parseSignedJson(
  body: Buffer,
  signature: string | string[] | undefined,
): { text: string; value: unknown } | undefined {
  if (!isSignedBody(body, signature)) return undefined;
  const text = body.toString('utf8');
  return { text, value: JSON.parse(text) };
}

/** True when the body is signed with the benchmarks' token; then parses it. */
export function isSignedJson(body: Buffer, signature: string | string[] | undefined): boolean {
  return parseSignedJson(body, signature) !== undefined;
}
