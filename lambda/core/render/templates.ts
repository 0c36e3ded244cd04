// Templates turn a payload into the body a destination expects. Presets are TypeScript functions
// (presets.ts); user JSONata expressions are compiled here once at startup (a broken one makes the
// config invalid) and evaluated by the TemplateSandbox the entry passes in, which can stop a
// template that runs too long or needs too much memory. Bindings: `$secrets` (the destination's
// named secrets), `$kind`, `$triggers`, and `$event` (see event-view.ts).
import jsonata from 'jsonata';
import type { BridgeConfig, TemplateConfig } from '../config/schema';
import type { Enrichment } from '../enrich/run-details';
import { ConfigError, TemplateError } from '../errors';
import type { TemplateJob, TemplateSandbox } from '../ports';
import { destinationKey } from '../receive/jobs';
import type { Notification } from '../receive/payloads';
import { describeEvent } from './event-view';
import { PRESETS, type Preset } from './presets';

export const TEMPLATE_TIMEOUT_MS = 1_000;
export const TEMPLATE_MAX_DEPTH = 500;

export interface RenderInput {
  /** The raw request body, exactly as received. */
  body: string;
  notification: Notification;
  /** Named secrets the destination declares, for templates that embed a key in the body. */
  secrets?: Readonly<Record<string, string>>;
  /** What the route's enrichment read (core/enrich/), shown in `$event`. */
  enrichment?: Enrichment;
}

/** The destination's `filter.when`: true to deliver. Runs where its template runs (the sandbox). */
export type Predicate = (input: RenderInput) => Promise<boolean>;

/** Renders the outgoing body text for one notification. A destination with `filter.when`
 *  carries that predicate with its renderer, so every runtime that looks up a renderer has it. */
export type Renderer = ((input: RenderInput) => Promise<string>) & { when?: Predicate };

export interface TemplateOptions {
  /** Reads `{ file }` templates; absent where templates were inlined at build time. */
  readFile?: (path: string) => string;
  /** Where JSONata templates run. Without one they run in this thread under jsonata's own time and
   *  depth guard, which cannot stop a slow built-in (a catastrophic regex, a huge `$pad`): only
   *  for templates and payloads that are trusted (tests, benchmarks, compile-only checks). */
  sandbox?: TemplateSandbox;
}

const passthrough: Renderer = async ({ body }) => body;

function jsonataMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || String(error);
}

function bindingsOf({ notification, secrets, enrichment }: RenderInput) {
  return {
    secrets: secrets ?? {},
    kind: notification.kind,
    triggers: notification.triggers,
    event: describeEvent(notification, enrichment),
  } satisfies TemplateJob['bindings'];
}

function renderInThread(expression: jsonata.Expression): Renderer {
  return async (input) => {
    let text: string | undefined;
    try {
      const result = await expression.evaluate(input.notification.payload, bindingsOf(input));
      // Inside the try: a deeply nested result overflows the stack here.
      text = JSON.stringify(result);
    } catch (error) {
      throw new TemplateError(`template failed: ${jsonataMessage(error)}`);
    }
    if (text === undefined) throw new TemplateError('template produced no output for this payload');
    return text;
  };
}

/** Compiles now (throws on a syntax error); renders in `sandbox` when given, else in this thread. */
export function compileExpression(source: string, sandbox?: TemplateSandbox): Renderer {
  const expression = jsonata(source, { timeout: TEMPLATE_TIMEOUT_MS, stack: TEMPLATE_MAX_DEPTH });
  if (!sandbox) return renderInThread(expression);
  return (input) => sandbox.render({ source, body: input.body, bindings: bindingsOf(input) });
}

/** `filter.when` as a Predicate: compiled now (a syntax error makes the config invalid), then
 *  evaluated like a template, its result read as JSONata's $boolean (no result is false). */
export function compilePredicate(source: string, sandbox?: TemplateSandbox): Predicate {
  jsonata(source);
  const wrapped = `($tfe_bridge_when := (\n${source}\n); $exists($tfe_bridge_when) and $boolean($tfe_bridge_when))`;
  const render = compileExpression(wrapped, sandbox);
  return async (input) => (await render(input)) === 'true';
}

/** A preset as a Renderer: the same bindings and errors as an expression. */
export function presetRenderer(preset: Preset): Renderer {
  return async ({ notification, secrets, enrichment }) => {
    let text: string | undefined;
    try {
      text = JSON.stringify(
        preset({
          event: describeEvent(notification, enrichment),
          payload: notification.payload,
          secrets: secrets ?? {},
        }),
      );
    } catch (error) {
      throw new TemplateError(`template failed: ${jsonataMessage(error)}`);
    }
    if (text === undefined) throw new TemplateError('template produced no output for this payload');
    return text;
  };
}

/** The JSONata source of a user template, or null for passthrough. */
function sourceOf(template: TemplateConfig, options: TemplateOptions): string | null {
  if (template.jsonata !== undefined) return template.jsonata;
  if (template.file !== undefined) {
    if (!options.readFile) throw new Error('file templates must be inlined before deployment');
    return options.readFile(template.file);
  }
  return null;
}

export function compileTemplate(template: TemplateConfig, options: TemplateOptions = {}): Renderer {
  if (template.preset !== undefined) {
    const preset = PRESETS[template.preset];
    return preset ? presetRenderer(preset) : passthrough;
  }
  const source = sourceOf(template, options);
  return source === null ? passthrough : compileExpression(source, options.sandbox);
}

/** Compiles every destination's template; throws ConfigError naming each one that fails. */
export function compileTemplates(config: BridgeConfig, options: TemplateOptions = {}): Map<string, Renderer> {
  const renderers = new Map<string, Renderer>();
  const problems: string[] = [];
  config.routes.forEach((route, r) => {
    route.destinations.forEach((destination, d) => {
      const field = Object.keys(destination.template)[0] ?? 'template';
      try {
        renderers.set(
          destinationKey(route.id, destination.id),
          compileTemplate(destination.template, options),
        );
      } catch (error) {
        problems.push(`routes[${r}].destinations[${d}].template.${field}: ${jsonataMessage(error)}`);
      }
      const when = destination.filter?.when;
      const render = renderers.get(destinationKey(route.id, destination.id));
      if (when === undefined || !render) return;
      try {
        const withWhen: Renderer = (input) => render(input);
        withWhen.when = compilePredicate(when, options.sandbox);
        renderers.set(destinationKey(route.id, destination.id), withWhen);
      } catch (error) {
        problems.push(`routes[${r}].destinations[${d}].filter.when: ${jsonataMessage(error)}`);
      }
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return renderers;
}
