// A run's live message on Discord: execute the webhook with ?wait=true (the answer is the message,
// with its id), then PATCH …/messages/{id}. A deleted message (10008) or one past Discord's edit
// limit for old messages (30046) gets a new message, which later updates edit (LIVE-MESSAGES.md §3).
import { escapeMarkdown } from '../../render/presets/discord';
import type { AttemptResult } from '../retry-policy';
import { fitLines, type LiveContext, MAX_LIVE_RESPONSE_BYTES, renderedObject } from './live-delivery';
import { type TimelineStep, timelineLines, timelineTitle } from './timeline';

/** Unknown Message, and too many edits of a message older than an hour. */
const POST_ANEW_CODES = new Set([10008, 30046]);
const EMBED_TOTAL_MAX = 6000;
const DESCRIPTION_MAX = 4096;

interface Embed {
  title?: string;
  description?: string;
  color?: number;
  author?: { name?: string };
  footer?: { text?: string };
  fields?: Array<{ name?: string; value?: string }>;
}

/** The characters Discord counts towards the 6000 of all embeds of a message. */
function embedChars(embed: Embed): number {
  const fields = (embed.fields ?? []).reduce(
    (total, f) => total + (f.name?.length ?? 0) + (f.value?.length ?? 0),
    0,
  );
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.author?.name?.length ?? 0) +
    (embed.footer?.text?.length ?? 0) +
    fields
  );
}

/** The preset's message with a second embed listing the timeline, within the embed limits. */
function withTimeline(message: Record<string, unknown>, timeline: readonly TimelineStep[]) {
  const embeds = Array.isArray(message.embeds) ? (message.embeds as Embed[]) : [];
  const used = embeds.reduce((total, embed) => total + embedChars(embed), 0);
  const title = timelineTitle(timeline);
  const room = Math.min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - used - title.length);
  const lines = timelineLines(timeline).map(escapeMarkdown);
  const description = fitLines('', lines, room).replace(/^\n/, '');
  if (room < 20 || description === '') return message;
  const color = embeds[0]?.color;
  return {
    ...message,
    embeds: [...embeds, { title, description, ...(color === undefined ? {} : { color }) }],
  };
}

/** The webhook URL with `/messages/{id}` (edit) or `?wait=true` (execute); `thread_id` stays. */
function urlFor(webhook: string, messageId: string | null): string {
  const url = new URL(webhook);
  url.searchParams.delete('wait');
  if (messageId === null) url.searchParams.set('wait', 'true');
  else url.pathname = `${url.pathname.replace(/\/+$/, '')}/messages/${encodeURIComponent(messageId)}`;
  return url.toString();
}

function errorCodeOf(snippet: string): number | null {
  try {
    const { code } = JSON.parse(snippet) as { code?: unknown };
    return typeof code === 'number' ? code : null;
  } catch {
    return null;
  }
}

export async function deliverDiscordLive(context: LiveContext): Promise<AttemptResult> {
  const { request, transport, stored, timeline } = context;
  const body = JSON.stringify(withTimeline(renderedObject(request.body), timeline));
  const send = (method: 'POST' | 'PATCH', url: string) =>
    transport.send({ method, url, headers: request.headers, body }, MAX_LIVE_RESPONSE_BYTES);

  if (stored) {
    const edited = await send('PATCH', urlFor(request.url, stored.messageId));
    if ('failure' in edited) return { outcome: 'retry', error: edited.failure };
    const { status } = edited.response;
    if (status >= 200 && status < 300) {
      await context.save({ ...stored, timeline });
      return { outcome: 'delivered', status };
    }
    if (!POST_ANEW_CODES.has(errorCodeOf(edited.snippet) ?? 0)) {
      return transport.classify(edited.response, edited.snippet);
    }
  }
  const posted = await send('POST', urlFor(request.url, null));
  if ('failure' in posted) return { outcome: 'retry', error: posted.failure };
  const { status } = posted.response;
  if (status < 200 || status >= 300) return transport.classify(posted.response, posted.snippet);
  let id: unknown;
  try {
    id = (JSON.parse(posted.snippet) as { id?: unknown }).id;
  } catch {
    id = undefined;
  }
  // Without an id (a 204: the proxy dropped ?wait) the message is out; the next update posts anew.
  if (typeof id === 'string' && /^[0-9]{1,30}$/.test(id)) {
    await context.save({ messageId: id, channel: null, timeline });
  }
  return { outcome: 'delivered', status };
}
