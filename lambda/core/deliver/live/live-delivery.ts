// One attempt for a `live` destination: the run's message is looked up, then posted or edited
// (Slack Web API or Discord webhook), and its id and timeline saved. It only turns the services'
// answers into an AttemptResult: retry, hold and dead letter stay the engine's decisions. A
// missing or lost message id degrades to a new message, never to a lost notification.
import type { DeliveryJob } from '../../contract';
import type { Logger } from '../../ports';
import type { Notification } from '../../receive/payloads';
import type { OutgoingRequest } from '../request';
import type { AttemptResult } from '../retry-policy';
import { deliverDiscordLive } from './discord-live';
import type { LiveMessage, LiveMessageStore } from './live-state';
import { deliverSlackLive } from './slack-live';
import { mergeTimeline, runIdOf, stepsOf, type TimelineStep } from './timeline';

/** The most of a service's answer read: a Slack or Discord message object with its blocks or
 *  embeds is a few kB; the id is needed from it, so a 2xx body is read too. */
export const MAX_LIVE_RESPONSE_BYTES = 256 * 1024;

export type LiveRequest = Omit<OutgoingRequest, 'method'> & { method: 'POST' | 'PATCH' };
export type Sent = { response: Response; snippet: string } | { failure: string };

/** How a live attempt reaches the network: attempt.ts's send (timeout, no redirects) and its
 *  classification of an HTTP answer, so live and plain deliveries fail the same way. */
export interface LiveTransport {
  send(request: LiveRequest, readBytes: number): Promise<Sent>;
  classify(response: Response, snippet: string): AttemptResult;
}

/** What the Slack and Discord flows get. */
export interface LiveContext {
  /** The request the preset built: URL, auth headers and the preset's body. */
  request: OutgoingRequest;
  transport: LiveTransport;
  /** The message this run already has, if any (always undefined outside runs). */
  stored: LiveMessage | undefined;
  /** Stored steps merged with this notification's. */
  timeline: TimelineStep[];
  /** This notification's steps. */
  steps: TimelineStep[];
  /** Remembers the run's message; a failure is logged, not returned (the message went out). */
  save(message: LiveMessage): Promise<void>;
}

export interface LiveInput {
  job: DeliveryJob;
  notification: Notification;
  request: OutgoingRequest;
  service: 'slack' | 'discord';
  /** Slack options (channel, thread). */
  channel: string | undefined;
  thread: boolean;
  store: LiveMessageStore | undefined;
  transport: LiveTransport;
  logger: Logger;
  /** The request again with its secrets read afresh: used once when the service refuses the
   *  token (it may have been rotated), as plain deliveries do after a 401. */
  rebuild?: () => Promise<OutgoingRequest>;
}

/** Slack's answers for a token it does not take (HTTP 200 with ok:false), and HTTP 401 (Discord). */
const AUTH_REFUSALS = ['invalid_auth', 'not_authed', 'token_revoked', 'token_expired'];

export function isAuthRefusal(result: AttemptResult): boolean {
  if (result.outcome !== 'permanent') return false;
  return result.status === 401 || AUTH_REFUSALS.some((code) => result.error.endsWith(`: ${code}`));
}

export async function deliverLive(input: LiveInput): Promise<AttemptResult> {
  const result = await deliverLiveOnce(input);
  if (!input.rebuild || !isAuthRefusal(result)) return result;
  input.logger.info('live destination refused the token: secrets read again, sent once more', {
    route: input.job.routeId,
    destination: input.job.destinationId,
    jobId: input.job.id,
  });
  return deliverLiveOnce({ ...input, request: await input.rebuild() });
}

async function deliverLiveOnce(input: LiveInput): Promise<AttemptResult> {
  const { job, notification, store, logger } = input;
  const destination = `${job.routeId}/${job.destinationId}`;
  const runId = runIdOf(notification);
  let stored: LiveMessage | undefined;
  if (runId !== null && store) {
    try {
      stored = await store.read(destination, runId);
    } catch (error) {
      // Posting anyway would leave the run with two messages: wait for the state instead.
      return { outcome: 'retry', error: `live message state unavailable: ${(error as Error).message}` };
    }
  }
  // Only a run has a timeline: anything else is posted as it is, as a message of its own.
  const steps = runId === null ? [] : stepsOf(notification);
  const context: LiveContext = {
    request: input.request,
    transport: input.transport,
    stored,
    steps,
    timeline: mergeTimeline(stored?.timeline ?? [], steps),
    async save(message) {
      if (runId === null || !store) return;
      try {
        await store.save(destination, runId, message);
      } catch (error) {
        logger.warn('live message id not saved: the next update of this run posts a new message', {
          route: job.routeId,
          destination: job.destinationId,
          jobId: job.id,
          error: (error as Error).message,
        });
      }
    },
  };
  if (input.service === 'discord') return deliverDiscordLive(context);
  return deliverSlackLive(context, { channel: input.channel ?? '', thread: input.thread });
}

/** Fits timeline lines into `max` characters: the oldest lines after the first go first, as
 *  the first step and the latest ones say the most. */
export function fitLines(title: string, lines: readonly string[], max: number): string {
  const kept = [...lines];
  const text = () => [title, ...kept].join('\n');
  while (text().length > max && kept.length > 2) kept.splice(1, 1);
  const joined = text();
  return joined.length <= max ? joined : `${joined.slice(0, Math.max(0, max - 1))}…`;
}

/** The JSON object a preset rendered (presets always render an object). */
export function renderedObject(body: string): Record<string, unknown> {
  const value: unknown = JSON.parse(body);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
