// A run's live message on Slack, through the Web API: chat.postMessage, then chat.update by `ts`
// (or, with thread, a reply per step under the first message, which is updated too). Slack
// answers errors as HTTP 200 {"ok":false,"error":code} and rate limits as 429 + Retry-After
// (shared/LIVE-MESSAGES.md §2); codes are sorted into retry and permanent here.
import type { AttemptResult } from '../retry-policy';
import { fitLines, type LiveContext, MAX_LIVE_RESPONSE_BYTES, renderedObject } from './live-delivery';
import { newSteps, type TimelineStep, timelineLines, timelineTitle } from './timeline';

/** Errors that say "try again later" (Slack's descriptions; the split is ours). */
const RETRY_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'update_failed',
  'team_added_to_org',
  'external_channel_migrating',
  'streaming_state_conflict',
]);
/** chat.update errors meaning the message cannot be edited any more: post a new one. */
const GONE_CODES = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Slack's limit for a text object (the timeline section). */
const SECTION_TEXT_MAX = 3000;

type Method = 'chat.postMessage' | 'chat.update';
type Answer =
  | { ok: true; ts: string; channel: string | null }
  | { ok: false; gone: boolean; result: AttemptResult };

function codeOf(value: unknown): string {
  return typeof value === 'string' && /^[a-z0-9_]{1,64}$/.test(value) ? value : 'unknown_error';
}

async function call(context: LiveContext, method: Method, body: Record<string, unknown>): Promise<Answer> {
  const { request, transport } = context;
  const url = `${request.url.replace(/\/+$/, '')}/${method}`;
  const sent = await transport.send(
    {
      method: 'POST',
      url,
      headers: { ...request.headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    },
    MAX_LIVE_RESPONSE_BYTES,
  );
  if ('failure' in sent) return { ok: false, gone: false, result: { outcome: 'retry', error: sent.failure } };
  const { response, snippet } = sent;
  if (response.status !== 200)
    return { ok: false, gone: false, result: transport.classify(response, snippet) };
  let answer: { ok?: unknown; error?: unknown; ts?: unknown; channel?: unknown };
  try {
    answer = JSON.parse(snippet) as typeof answer;
  } catch {
    // Perhaps posted, perhaps not: a retry risks a duplicate, giving up risks a lost update.
    return {
      ok: false,
      gone: false,
      result: { outcome: 'retry', error: `Slack ${method}: answer is not JSON` },
    };
  }
  // A `ts` is what chat.update and thread_ts are keyed by: kept only when it looks like one.
  if (answer?.ok === true && typeof answer.ts === 'string' && /^[0-9]{1,20}\.[0-9]{1,10}$/.test(answer.ts)) {
    return { ok: true, ts: answer.ts, channel: typeof answer.channel === 'string' ? answer.channel : null };
  }
  const code = codeOf(answer?.error);
  const error = `Slack ${method}: ${code}`;
  if (method === 'chat.update' && GONE_CODES.has(code)) {
    return { ok: false, gone: true, result: { outcome: 'permanent', error } };
  }
  const outcome = RETRY_CODES.has(code) ? 'retry' : 'permanent';
  return { ok: false, gone: false, result: { outcome, error } };
}

/** The preset's blocks with the timeline before its context line. */
function withTimeline(message: Record<string, unknown>, timeline: readonly TimelineStep[]) {
  const blocks = Array.isArray(message.blocks) ? [...(message.blocks as Array<{ type?: unknown }>)] : [];
  if (timeline.length === 0) return { text: message.text, blocks };
  const text = fitLines(timelineTitle(timeline), timelineLines(timeline), SECTION_TEXT_MAX);
  const section = { type: 'section', text: { type: 'plain_text', text, emoji: false } };
  const at = blocks.findIndex((block) => block.type === 'context');
  blocks.splice(at === -1 ? blocks.length : at, 0, section);
  return { text: message.text, blocks };
}

export async function deliverSlackLive(
  context: LiveContext,
  options: { channel: string; thread: boolean },
): Promise<AttemptResult> {
  const { stored, timeline, steps } = context;
  const preset = renderedObject(context.request.body);
  const message = withTimeline(preset, timeline);

  const postNew = async (): Promise<AttemptResult> => {
    const posted = await call(context, 'chat.postMessage', { channel: options.channel, ...message });
    if (!posted.ok) return posted.result;
    await context.save({ messageId: posted.ts, channel: posted.channel ?? options.channel, timeline });
    return { outcome: 'delivered', status: 200 };
  };
  if (!stored) return postNew();
  const channel = stored.channel ?? options.channel;

  if (options.thread) {
    // A retry after the reply went out finds its steps stored: no second reply.
    if (newSteps(stored.timeline, steps).length > 0) {
      const reply = await call(context, 'chat.postMessage', {
        channel,
        thread_ts: stored.messageId,
        text: preset.text,
        blocks: preset.blocks,
      });
      if (!reply.ok) return reply.result;
      await context.save({ ...stored, channel, timeline });
    }
  }
  const updated = await call(context, 'chat.update', { channel, ts: stored.messageId, ...message });
  if (updated.ok) {
    await context.save({ messageId: stored.messageId, channel, timeline });
    return { outcome: 'delivered', status: 200 };
  }
  return updated.gone ? postNew() : updated.result;
}
