// Arbitrary event views, including ones no payload produces today, to cover every branch of
// every preset: empty strings, `epoch` 0 and out of range, long and astral-plane text, a fact
// titled `__proto__`.
import fc from 'fast-check';
import { PAYLOAD_KINDS } from '../../../../lambda/core/receive/payloads';
import type { EventView } from '../../../../lambda/core/render/event-view';

const text = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 140, maxLength: 300 }),
  fc.constantFrom('a & <b> *_~|\\ c', 'my_workspace', '🚀'.repeat(200)),
);
const someText = text.map((value) => value ?? 'x');

/** Event views no payload may produce today, to cover every branch of every preset. */
export const anyView: fc.Arbitrary<EventView> = fc.record({
  kind: fc.constantFrom(...PAYLOAD_KINDS),
  trigger: text,
  status: text,
  outcome: fc.constantFrom('failure', 'warning', 'success', 'info'),
  source: someText,
  message: someText,
  summary: someText,
  details: text,
  subject: text,
  workspace: text,
  workspace_id: text,
  organization: text,
  resource: text,
  id: text,
  url: fc.oneof(fc.constant(null), fc.webUrl()),
  url_label: text,
  actor: text,
  timestamp: text,
  epoch: fc.oneof(
    fc.constant(null),
    fc.constant(0),
    fc.integer({ min: -62_000_000_000, max: 253_000_000_000 }),
  ),
  facts: fc.array(
    fc.record({
      title: fc.oneof(someText, fc.constantFrom('__proto__', 'kind', 'subject')),
      value: someText,
    }),
    { maxLength: 30 },
  ),
});

/** Non-blank text, from a few characters to far past every service's limits, in any script,
 *  with control characters (6 JSON bytes each) and markup. */
const anyLength = fc
  .tuple(
    fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
      fc.constantFrom('🚀', '👩‍👩‍👧‍👦', 'a\u0301', '\u0001"\\', '<@1>', '[x](https://evil.example)', 'مرحبا'),
    ),
    fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 3_000 })),
  )
  .map(([unit, times]) => `x${unit.repeat(times)}`);
const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });

/** Event views as describeEvent() makes them (its contract): texts are non-blank, fact titles
 *  are the views' own, a URL is a normalized http(s) link of at most 2000 characters and comes
 *  with a label, `epoch` is a time between 1970 and 9999. */
export const contractView: fc.Arbitrary<EventView> = fc
  .record({
    kind: fc.constantFrom(...PAYLOAD_KINDS),
    trigger: maybe(anyLength),
    status: maybe(anyLength),
    outcome: fc.constantFrom('failure', 'warning', 'success', 'info'),
    source: anyLength,
    message: anyLength,
    summary: anyLength,
    details: maybe(anyLength),
    subject: maybe(anyLength),
    workspace: maybe(anyLength),
    workspace_id: maybe(anyLength),
    organization: maybe(anyLength),
    resource: maybe(anyLength),
    id: maybe(anyLength),
    url: maybe(
      fc
        .webUrl()
        .map((url) => new URL(url).href)
        .filter((url) => url.length <= 2000),
    ),
    url_label: fc.constantFrom('View run', 'Open workspace', 'View change request'),
    actor: maybe(anyLength),
    timestamp: maybe(anyLength),
    epoch: maybe(fc.integer({ min: 0, max: 253_402_300_799 })),
    facts: fc.array(
      fc.record({
        title: fc.constantFrom('Status', 'Run', 'By', 'Events', 'Resources drifted', 'Previous version'),
        value: anyLength,
      }),
      { maxLength: 12 },
    ),
  })
  .map((view) => ({ ...view, url_label: view.url ? view.url_label : null }));
