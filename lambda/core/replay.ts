// The replay check: the same body for the same route, seen again within the guard's TTL, is
// refused. A guard that fails lets the notification through (logged): losing a real notification
// is worse than forwarding a replay, which can only repeat what HashiCorp signed.
import { createHash } from 'node:crypto';
import type { Logger, ReplayGuard } from '../ports';
import type { ReplayGuardConfig } from './config';

/**
 * sha256 of route id + raw body. The body, not the signature: the signature is a function of the
 * body and the key, so while a route accepts two tokens (rotation) one body has two valid
 * signatures, and unsigned routes have none. Per route, as the same body may go to two routes.
 */
export function replayKeyFor(routeId: string, body: Uint8Array): string {
  return createHash('sha256').update(routeId).update('\n').update(body).digest('hex');
}

export type ReplayCheck = { replayed: true } | { replayed: false; release(): Promise<void> };

const NOTHING_TO_RELEASE = { replayed: false, release: async () => {} } as const;

export async function checkReplay(
  guard: ReplayGuard | undefined,
  config: ReplayGuardConfig | undefined,
  routeId: string,
  body: Uint8Array,
  logger: Logger,
): Promise<ReplayCheck> {
  if (!guard || !config) return NOTHING_TO_RELEASE;
  const key = replayKeyFor(routeId, body);
  try {
    if (!(await guard.claim(key, config.ttlSeconds))) return { replayed: true };
  } catch (error) {
    logger.error('replay guard unavailable, notification accepted without the check', {
      route: routeId,
      cause: (error as Error).name,
    });
    return NOTHING_TO_RELEASE;
  }
  return {
    replayed: false,
    async release() {
      try {
        await guard.release(key);
      } catch (error) {
        // A resend of this body is then refused until the TTL ends; say so in the logs.
        logger.error('replay guard could not forget a notification that was not accepted', {
          route: routeId,
          cause: (error as Error).name,
        });
      }
    },
  };
}
