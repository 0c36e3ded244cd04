// The template sandbox with real child processes: the probes that blocked or killed the bridge
// (catastrophic regex, huge $pad, huge $string, a deeply nested payload, runaway recursion) each
// end in a TemplateError naming the limit, while this process's event loop keeps running.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ProcessSandboxOptions,
  ProcessTemplateSandbox,
  TEMPLATE_MAX_OUTPUT_CHARS,
  TEMPLATE_MEMORY_MB,
} from '../../../lambda/adapters/template-sandbox/process-sandbox';
import { TemplateError } from '../../../lambda/core/errors';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import {
  compileExpression,
  type RenderInput,
  TEMPLATE_TIMEOUT_MS,
} from '../../../lambda/core/render/templates';
import { JSONATA_PRESETS } from '../../core/render/presets/jsonata-reference';
import { fixture, fixtureNames } from '../../support/fixtures';
import { eventually } from '../../support/local-bridge';

/** Linux: the pids of a process's children, from every thread's `children` list. */
function childrenOf(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const open: ProcessTemplateSandbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((sandbox) => sandbox.close()));
});

function startSandbox(options: ProcessSandboxOptions = {}): ProcessTemplateSandbox {
  const sandbox = new ProcessTemplateSandbox(options);
  open.push(sandbox);
  return sandbox;
}

const inputOf = (body: string): RenderInput => ({ body, notification: classifyPayload(JSON.parse(body)) });
const RUN = fixture('tfe-run-errored');
const withField = (name: string, json: string) => RUN.replace(/}\s*$/, `, ${JSON.stringify(name)}: ${json}}`);
/** The probe's run message: 28 a's and a '!', 17.8 s of backtracking for /(a+)+$/. */
const CATASTROPHIC_MESSAGE = JSON.stringify(`${'a'.repeat(28)}!`);
const DEEP = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
const QUICK = '{ "text": $event.summary, "kind": $kind }';

// A memory or stack probe is stopped by that limit however slow the machine: the clock is far away.
const NO_CLOCK = { timeoutMs: 120_000 };
const PROBES = [
  {
    name: 'a catastrophic regex over the run message',
    source: '$match(run_message, /(a+)+$/)',
    body: RUN.replace(/"run_message": "[^"]*"/, `"run_message": ${CATASTROPHIC_MESSAGE}`),
    options: {},
    message: `template timed out after ${TEMPLATE_TIMEOUT_MS} ms`,
  },
  {
    name: 'a tail-recursive function that never ends',
    source: '($f := function($n) { $f($n + 1) }; $f(0))',
    body: RUN,
    options: {},
    message: `template timed out after ${TEMPLATE_TIMEOUT_MS} ms`,
  },
  {
    name: '$pad to 300 million characters',
    source: '$pad("", 300000000)',
    body: RUN,
    options: NO_CLOCK,
    message: `template exceeded its memory limit (${TEMPLATE_MEMORY_MB} MB)`,
  },
  {
    name: '$string of a five-million-number range',
    source: '$string([1..5000000])',
    body: RUN,
    options: NO_CLOCK,
    message: `template exceeded its memory limit (${TEMPLATE_MEMORY_MB} MB)`,
  },
  {
    name: 'a payload nested 10,000 levels deep, read by the template',
    source: '{ "text": run_message, "details": details }',
    body: withField('details', DEEP),
    options: NO_CLOCK,
    message: 'template exceeded its stack limit: the payload or the template nests too deeply',
  },
];

describe('ProcessTemplateSandbox', () => {
  it('renders like in-thread evaluation: every JSONata preset, every fixture, with all bindings', async () => {
    const sandbox = startSandbox();
    const secrets = { routingKey: 'rk-123' };
    const everyBinding = {
      bindings: '{ "kind": $kind, "triggers": $triggers, "secrets": $secrets, "event": $event }',
    };
    for (const [name, source] of Object.entries({ ...JSONATA_PRESETS, ...everyBinding })) {
      const inThread = compileExpression(source);
      const sandboxed = compileExpression(source, sandbox);
      for (const fixtureName of fixtureNames()) {
        const input = { ...inputOf(fixture(fixtureName)), secrets };
        const expected = await inThread(input).catch((error: Error) => error.message);
        const actual = await sandboxed(input).catch((error: Error) => error.message);
        expect(actual, `${name} on ${fixtureName}`).toBe(expected);
      }
    }
  });

  it.each(PROBES)('stops $name with a TemplateError, and this event loop keeps running', async (probe) => {
    const sandbox = startSandbox({ processes: 1, ...probe.options });
    // Started and warm: what follows measures the template, not the process start.
    await compileExpression(QUICK, sandbox)(inputOf(RUN));

    const order: string[] = [];
    const rendering = compileExpression(probe.source, sandbox)(inputOf(probe.body));
    rendering.catch(() => undefined).finally(() => order.push('template settled'));
    const ticked = new Promise((resolve) => setTimeout(resolve, 0)).then(() => order.push('timer fired'));

    const error = await rendering.catch((caught: unknown) => caught);
    await ticked;
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as Error).message).toBe(probe.message);
    // A template evaluated on this thread would hold the timer until it ended.
    expect(order).toEqual(['timer fired', 'template settled']);
  });

  it('stops non-tail runaway recursion at the depth guard', async () => {
    const render = compileExpression('($f := function($n) { 1 + $f($n + 1) }; $f(0))', startSandbox());
    await expect(render(inputOf(RUN))).rejects.toThrow(/^template failed: D1011: Stack overflow/);
  });

  it('refuses an answer too large for this event loop to parse', async () => {
    const render = compileExpression(`$pad("", ${TEMPLATE_MAX_OUTPUT_CHARS})`, startSandbox(NO_CLOCK));
    await expect(render(inputOf(RUN))).rejects.toThrow(
      new TemplateError(`template output is larger than ${TEMPLATE_MAX_OUTPUT_CHARS} characters`),
    );
  });

  it('keeps the TemplateError messages of in-thread evaluation for ordinary failures', async () => {
    const sandbox = startSandbox();
    await expect(compileExpression('no_such_field', sandbox)(inputOf(RUN))).rejects.toThrow(
      new TemplateError('template produced no output for this payload'),
    );
    await expect(compileExpression('$number("x")', sandbox)(inputOf(RUN))).rejects.toThrow(
      /^template failed: D3030: /,
    );
  });

  it('re-runs, not fails, a render queued behind one that was killed', async () => {
    const sandbox = startSandbox({ processes: 1 });
    const [bad] = PROBES;
    const killed = compileExpression(bad?.source ?? '', sandbox)(inputOf(bad?.body ?? ''));
    const queued = compileExpression(QUICK, sandbox)(inputOf(RUN));
    await expect(killed).rejects.toThrow(bad?.message ?? '');
    expect(JSON.parse(await queued)).toEqual({ text: 'Run Canceled in acme-org/my-workspace', kind: 'run' });
  });

  it('does not fail renders running next to one that is killed', async () => {
    const sandbox = startSandbox({ processes: 2 });
    const [bad] = PROBES;
    const killed = compileExpression(bad?.source ?? '', sandbox)(inputOf(bad?.body ?? ''));
    const others = Array.from({ length: 20 }, () => compileExpression(QUICK, sandbox)(inputOf(RUN)));
    await expect(killed).rejects.toThrow(bad?.message ?? '');
    for (const text of await Promise.all(others)) expect(JSON.parse(text)).toMatchObject({ kind: 'run' });
  });

  it('fails renders with a plain Error, which delivery retries, when its process cannot start', async () => {
    // V8 cannot even boot in a 1 MB heap: not the template's fault, so not a TemplateError.
    const error = await compileExpression(
      QUICK,
      startSandbox({ memoryMb: 1 }),
    )(inputOf(RUN)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TemplateError);
    expect((error as Error).message).toMatch(/^the template sandbox process did not start \(/);
  });

  it('ends a sandbox process stuck in a regex when the bridge process is killed outright', async () => {
    // A bridge (in its own process, so it can be SIGKILLed) whose template backtracks for hours.
    const module = join(import.meta.dirname, '../../../lambda/adapters/template-sandbox/process-sandbox.ts');
    const script = `
      const { ProcessTemplateSandbox } = await import(${JSON.stringify(module)});
      const sandbox = new ProcessTemplateSandbox({ processes: 1, timeoutMs: 600000 });
      const job = (source) => ({ source, body: '{}', bindings: { secrets: {}, kind: 'run', triggers: [], event: {} } });
      await sandbox.render(job('1'));
      sandbox.render(job('$match("${'a'.repeat(40)}!", /(a+)+$/)'));
      setTimeout(() => process.stdout.write('stuck\\n'), 500);`;
    const bridge = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    bridge.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    await new Promise((resolve, reject) => {
      bridge.stdout.once('data', resolve);
      bridge.once('exit', () => reject(new Error(`the bridge script ended early:\n${stderr}`)));
    });
    const [sandboxPid] = childrenOf(bridge.pid ?? 0);
    expect(sandboxPid).toBeGreaterThan(0);
    try {
      bridge.kill('SIGKILL');
      await eventually(() => (isRunning(sandboxPid ?? 0) ? undefined : true), 15_000);
    } finally {
      if (isRunning(sandboxPid ?? 0)) process.kill(sandboxPid ?? 0, 'SIGKILL');
    }
  });

  it('fails renders after close() with a plain Error, not a TemplateError', async () => {
    const sandbox = startSandbox();
    await sandbox.close();
    const error = await compileExpression(QUICK, sandbox)(inputOf(RUN)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TemplateError);
  });
});
