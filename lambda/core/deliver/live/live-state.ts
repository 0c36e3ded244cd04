// The state of live messages: which chat message shows which run, for each destination, with the
// timeline it shows. Local mode keeps it in the SQLite store, AWS in a DynamoDB table (30 days).
import type { TimelineStep } from './timeline';

/** How long a run's message is remembered: later notifications of an older run post a new one. */
export const LIVE_MESSAGE_TTL_SECONDS = 30 * 24 * 3600;

export interface LiveMessage {
  /** Slack: the message's `ts`; Discord: the message id. */
  messageId: string;
  /** Slack: the channel id chat.postMessage returned (chat.update needs it); Discord: null. */
  channel: string | null;
  /** The steps the message shows (and, in a Slack thread, has replied). */
  timeline: TimelineStep[];
}

export interface LiveMessageStore {
  /** The message of `runId` at `destination` (`route/destination`), if one is remembered. */
  read(destination: string, runId: string): Promise<LiveMessage | undefined>;
  save(destination: string, runId: string, message: LiveMessage): Promise<void>;
}

/** A stored record, checked: anything else reads as "no message", so a damaged record degrades to
 *  a new message rather than an error on every later notification. */
export function parseLiveMessage(value: unknown): LiveMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { messageId, channel, timeline } = value as Record<string, unknown>;
  if (typeof messageId !== 'string' || messageId === '') return undefined;
  if (channel !== null && typeof channel !== 'string') return undefined;
  if (!Array.isArray(timeline)) return undefined;
  const steps = timeline.filter(
    (step): step is TimelineStep =>
      typeof step === 'object' &&
      step !== null &&
      typeof step.at === 'string' &&
      typeof step.status === 'string' &&
      typeof step.message === 'string',
  );
  return { messageId, channel, timeline: steps };
}
