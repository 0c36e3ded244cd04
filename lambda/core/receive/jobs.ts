// Turning an accepted notification into delivery jobs, one per destination, and the ids that make
// a job the same across retries, redeliveries and replays.
import { createHash } from 'node:crypto';
import type { DeliveryJob } from '../contract';
import type { Notification } from './payloads';

/** `route/destination`: a destination's identity in queues, logs and lookups. Lives here, not
 *  in templates.ts, so the receiver's bundle does not pull in JSONata. */
export const destinationKey = (routeId: string, destinationId: string): string =>
  `${routeId}/${destinationId}`;

export function jobIdFor(routeId: string, destinationId: string, body: string): string {
  return createHash('sha256')
    .update(destinationKey(routeId, destinationId))
    .update('\n')
    .update(body)
    .digest('hex');
}

/**
 * The idempotency key a destination gets for a notification: the job id, identical on every
 * retry, SQS redelivery and dead-letter replay. Null when the destination turned the header off.
 */
export function idempotencyKeyFor(
  routeId: string,
  destination: { id: string; idempotencyHeader: string | false },
  body: string,
): string | null {
  return destination.idempotencyHeader === false ? null : jobIdFor(routeId, destination.id, body);
}

/**
 * The ordering group of a job: its jobs are delivered one at a time, in order. Per workspace (or
 * HCP resource) by default, so a run's steps arrive in order while other workspaces go ahead;
 * a notification that names neither keeps the destination's order.
 */
export function groupFor(
  routeId: string,
  destination: { id: string; ordering: 'workspace' | 'destination' | 'none' },
  notification: Pick<Notification, 'workspaceId' | 'workspaceName' | 'resourceId'>,
  jobId: string,
): string {
  const key = destinationKey(routeId, destination.id);
  if (destination.ordering === 'none') return `${key}#${jobId}`;
  if (destination.ordering === 'destination') return key;
  const scope = notification.workspaceId ?? notification.resourceId ?? notification.workspaceName;
  return scope ? `${key}/${scope}` : key;
}

export function createJobs(
  routeId: string,
  destinations: readonly { id: string; ordering: 'workspace' | 'destination' | 'none' }[],
  body: string,
  notification: Notification,
  receivedAt: Date,
): DeliveryJob[] {
  return destinations.map((destination) => {
    const id = jobIdFor(routeId, destination.id, body);
    return {
      id,
      routeId,
      destinationId: destination.id,
      group: groupFor(routeId, destination, notification, id),
      body,
      receivedAt: receivedAt.toISOString(),
      kind: notification.kind,
      triggers: notification.triggers,
    };
  });
}
