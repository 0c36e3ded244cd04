// The check every hand-written baseline receiver needs (bare, Express, Hono alone on a server and
// on Lambda): is this body signed with the benchmarks' token? Kept free of the fixtures loader, so
// the Lambda baseline's bundle can use it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BENCH_SIGNING_SECRET } from './bench-secret';

const SHA512_HEX = /^[0-9a-f]{128}$/i;

export function isSignedBody(body: Buffer, signature: string | string[] | undefined): boolean {
  if (typeof signature !== 'string' || !SHA512_HEX.test(signature)) return false;
  const expected = createHmac('sha512', BENCH_SIGNING_SECRET).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
