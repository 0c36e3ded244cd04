// Benchmark 3, template rendering: renders per second of every preset over every fixture (the
// presets are read from PRESETS at run time and rendered through compileTemplate, as the worker
// does), against a hand-written TypeScript Slack message (the limit), the same message as a
// JSONata expression, and the slack preset as the JSONata expression it was before.
import { isDeepStrictEqual } from 'node:util';
import { classifyPayload, parseJsonObject } from '../lambda/core/receive/payloads';
import { PRESETS } from '../lambda/core/render/presets';
import {
  compileExpression,
  compileTemplate,
  type Renderer,
  type RenderInput,
} from '../lambda/core/render/templates';
import { JSONATA_PRESETS } from '../test/core/render/presets/jsonata-reference';
import { fixture, fixtureNames } from '../test/support/fixtures';
import { SLACK_MESSAGE_JSONATA, slackMessage } from './slack-message';
import { median, medianRatio } from './stats';
import { type Check, formatNumber, formatRatio, type Section } from './table';

export const MIN_PRESET_RENDERS_PER_S = 20_000;

export interface TemplateRenderOptions {
  rounds: number;
  sliceMs: number;
  log: (line: string) => void;
}

interface Subject {
  label: string;
  render: Renderer;
  isPreset: boolean;
}

interface Rate {
  perSecond: number;
  failures: number;
}

/** Every fixture, parsed and classified once: only the render itself is timed. */
function renderInputs(): RenderInput[] {
  return fixtureNames().flatMap((name) => {
    const body = fixture(name);
    const parsed = parseJsonObject(body);
    return parsed.ok ? [{ body, notification: classifyPayload(parsed.value) }] : [];
  });
}

/** Renders round-robin over the inputs for `sliceMs`; a failing render still counts its cost. */
async function measureRate(render: Renderer, inputs: readonly RenderInput[], sliceMs: number): Promise<Rate> {
  let count = 0;
  let failures = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < sliceMs) {
    // Checking the clock every render would cost more than the fastest renders.
    for (let i = 0; i < 64; i++, count++) {
      try {
        await render(inputs[count % inputs.length] as RenderInput);
      } catch {
        failures++;
      }
    }
    elapsed = performance.now() - started;
  }
  return { perSecond: (count / elapsed) * 1000, failures };
}

async function sameOutput(a: Renderer, b: Renderer, inputs: readonly RenderInput[]): Promise<boolean> {
  for (const input of inputs) {
    if (!isDeepStrictEqual(JSON.parse(await a(input)), JSON.parse(await b(input)))) return false;
  }
  return true;
}

export async function benchTemplateRender({ rounds, sliceMs, log }: TemplateRenderOptions): Promise<Section> {
  const inputs = renderInputs();
  const handWritten: Renderer = async ({ notification }) => JSON.stringify(slackMessage(notification));
  const subjects: Subject[] = [
    { label: 'hand-written TypeScript Slack message (limit)', render: handWritten, isPreset: false },
    { label: 'same message in JSONata', render: compileExpression(SLACK_MESSAGE_JSONATA), isPreset: false },
    {
      label: 'preset slack as JSONata (before)',
      render: compileExpression(JSONATA_PRESETS.slack ?? ''),
      isPreset: false,
    },
    ...Object.keys(PRESETS).map((name) => ({
      label: `preset ${name}`,
      render: compileTemplate({ preset: name as 'generic' }),
      isPreset: true,
    })),
  ];
  const equivalent = await sameOutput(handWritten, (subjects[1] as Subject).render, inputs);

  const rates = new Map<Subject, Rate[]>(subjects.map((s) => [s, []]));
  for (const subject of subjects) await measureRate(subject.render, inputs, sliceMs); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(i + round) % subjects.length] as Subject;
      rates.get(subject)?.push(await measureRate(subject.render, inputs, sliceMs));
    }
    log(`template rendering: round ${round + 1}/${rounds}`);
  }

  const perSecond = (s: Subject) => (rates.get(s) ?? []).map((r) => r.perSecond);
  const limit = subjects[0] as Subject;
  const rows = subjects.map((s) => {
    const failures = (rates.get(s) ?? []).reduce((sum, r) => sum + r.failures, 0);
    return [
      s.label,
      formatRatio(medianRatio(perSecond(s), perSecond(limit))),
      formatNumber(median(perSecond(s))),
      formatNumber(1e6 / median(perSecond(s)), 1),
      failures > 0 ? `${failures} failed` : '',
    ];
  });
  const presets = subjects.filter((s) => s.isPreset);
  const slowest = presets.reduce<Subject | undefined>(
    (worst, s) => (worst && median(perSecond(worst)) <= median(perSecond(s)) ? worst : s),
    undefined,
  );
  // Until presets exist, the JSONata rendering of the same message stands in for them.
  const judged = slowest ?? (subjects[1] as Subject);
  const checks: Check[] = [
    {
      name: `renders/s/core, ${slowest ? `slowest preset (${judged.label.replace('preset ', '')})` : 'JSONata (no presets yet)'}`,
      value: formatNumber(median(perSecond(judged))),
      target: `>= ${formatNumber(MIN_PRESET_RENDERS_PER_S)}`,
      pass: median(perSecond(judged)) >= MIN_PRESET_RENDERS_PER_S,
    },
  ];
  return {
    title: `3. Template rendering (one core, ${inputs.length} fixtures round-robin, median of ${rounds} rounds of ${sliceMs} ms)`,
    notes: [
      'a render = evaluate the template on a classified payload + JSON.stringify, as the worker does;',
      `presets found in lambda/core/render/presets.ts: ${presets.length === 0 ? 'none besides passthrough (not rendered)' : presets.map((p) => p.label.replace('preset ', '')).join(', ')};`,
      `JSONata bench expression gives the same JSON as the hand-written function on every fixture: ${equivalent ? 'yes' : 'NO'}`,
    ],
    header: ['renderer', 'vs limit', 'renders/s', 'us/render', ''],
    rows,
    checks,
  };
}
