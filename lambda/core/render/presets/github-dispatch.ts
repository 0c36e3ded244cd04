// GitHub repository_dispatch: `event_type` is the trigger, so a workflow can select on it with
// `on: repository_dispatch: types: [run:errored]`. GitHub's REST description limits
// `client_payload` to 10 top-level keys and "less than 64KB": when the original payload (`raw`)
// does not fit, its long strings are cut, then it is dropped, and `raw.tfe_bridge_truncated`
// says so. A body GitHub would refuse is never sent.
import { enrichmentOf, firstUnits, jsonBytes, jsonBytesBound, type Preset, truncate } from './helpers';

export interface GithubDispatch {
  event_type: string;
  client_payload: {
    kind: string;
    trigger: string | null;
    status: string | null;
    outcome: string;
    message: string;
    workspace: string | null;
    organization: string | null;
    url: string | null;
    actor: string | null;
    raw: Record<string, unknown>;
  };
}

/** Under GitHub's 64 KB (65,536 bytes), measured on the whole body, which is larger. */
export const MAX_DISPATCH_BYTES = 64_000;
const EVENT_TYPE_MAX = 100;
/** Nine texts of 512 UTF-16 units (6 JSON bytes each at most) leave `raw` 36 KB at worst. */
const TEXT_MAX = 512;
/** The body without `raw`, with room to spare: every key, quotes and nulls. */
const SKELETON_BYTES = 400;
/** String lengths tried in turn on an oversized `raw`, before it is dropped. */
const RAW_STRING_CAPS = [1024, 128, 16];
/** Deeper than this, a cut `raw` holds "…" (HashiCorp's payloads are 4 deep). */
const RAW_DEPTH_MAX = 32;

const length = (value: string | null): number => value?.length ?? 0;
const clip = (value: string | null): string | null => (value === null ? null : truncate(value, TEXT_MAX));

/** A copy of a JSON value with every string cut to `max` units. Objects have no prototype, so a
 *  `__proto__` key stays a key. */
function cutStrings(value: unknown, max: number, depth = 0): unknown {
  if (typeof value === 'string') return truncate(value, max);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= RAW_DEPTH_MAX) return '…';
  if (Array.isArray(value)) return value.map((item) => cutStrings(item, max, depth + 1));
  const copy: Record<string, unknown> = Object.create(null);
  for (const [key, item] of Object.entries(value)) copy[key] = cutStrings(item, max, depth + 1);
  return copy;
}

/** The payload itself when it fits in `room` bytes, else a cut copy, else only the marker. */
function fitRaw(payload: Record<string, unknown>, room: number): Record<string, unknown> {
  const bound = jsonBytesBound(payload, room);
  if (bound <= room || (bound !== Number.POSITIVE_INFINITY && jsonBytes(payload) <= room)) return payload;
  for (const max of RAW_STRING_CAPS) {
    const cut = { ...(cutStrings(payload, max) as Record<string, unknown>), tfe_bridge_truncated: true };
    if (jsonBytes(cut) <= room) return cut;
  }
  return { tfe_bridge_truncated: true };
}

export const githubDispatchPreset: Preset = ({ event: e, payload }): GithubDispatch => {
  const event_type = firstUnits(e.trigger ? e.trigger : e.kind, EVENT_TYPE_MAX);
  const client_payload: GithubDispatch['client_payload'] = {
    kind: e.kind,
    trigger: clip(e.trigger),
    status: clip(e.status),
    outcome: e.outcome,
    message: truncate(e.message, TEXT_MAX),
    workspace: clip(e.workspace),
    organization: clip(e.organization),
    url: e.url,
    actor: clip(e.actor),
    raw: payload,
  };
  // An upper bound of everything but `raw` (6 bytes a unit at most): the common payload is
  // measured by jsonBytesBound() alone, never serialized twice.
  const c = client_payload;
  const units =
    event_type.length +
    c.kind.length +
    c.outcome.length +
    c.message.length +
    length(c.trigger) +
    length(c.status) +
    length(c.workspace) +
    length(c.organization) +
    length(c.url) +
    length(c.actor);
  // GitHub allows 10 top-level client_payload keys, all taken: the enrichment rides in `raw`,
  // beside the `tfe_bridge_truncated` marker.
  const enrichment = enrichmentOf(e);
  const raw = enrichment ? { ...payload, tfe_bridge_enrichment: enrichment } : payload;
  c.raw = fitRaw(raw, MAX_DISPATCH_BYTES - SKELETON_BYTES - 6 * units);
  return { event_type, client_payload };
};
