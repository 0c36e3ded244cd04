// The replay check: the same body for the same route, seen again within the guard's TTL, is
// refused. A body is remembered only once its jobs are stored, so a resend of something never
// acknowledged is never refused. A guard that fails lets the notification through (logged):
// losing a real notification is worse than forwarding a replay, which can only repeat what
// HashiCorp signed.
import { createHash } from 'node:crypto';
import type { ReplayGuardConfig } from '../config/schema';
import type { Logger, ReplayGuard } from '../ports';

/**
 * sha256 of route id + raw body. The body, not the signature: the signature is a function of the
 * body and the key, so while a route accepts two tokens (rotation) one body has two valid
 * signatures, and unsigned routes have none. Per route, as the same body may go to two routes.
 */
export function replayKeyFor(routeId: string, body: Uint8Array): string {
  return createHash('sha256').update(routeId).update('\n').update(body).digest('hex');
}

export type ReplayCheck = { replayed: true } | { replayed: false; remember(): Promise<void> };

const NOTHING_TO_REMEMBER = { replayed: false, remember: async () => {} } as const;

export async function checkReplay(
  guard: ReplayGuard | undefined,
  config: ReplayGuardConfig | undefined,
  routeId: string,
  body: Uint8Array,
  logger: Logger,
): Promise<ReplayCheck> {
  if (!guard || !config) return NOTHING_TO_REMEMBER;
  const key = replayKeyFor(routeId, body);
  try {
    if (await guard.seen(key)) return { replayed: true };
  } catch (error) {
    logger.error('replay guard unavailable, notification accepted without the check', {
      route: routeId,
      cause: (error as Error).name,
    });
    return NOTHING_TO_REMEMBER;
  }
  return {
    replayed: false,
    /** Call once the jobs are stored. */
    async remember() {
      try {
        await guard.remember(key, config.ttlSeconds);
      } catch (error) {
        // The notification is accepted; only a later replay of it would get through.
        logger.error('replay guard could not record an accepted notification', {
          route: routeId,
          cause: (error as Error).name,
        });
      }
    },
  };
}
