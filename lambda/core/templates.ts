// Templates turn a payload into the body a destination expects. Presets are TypeScript functions
// (presets.ts); user JSONata expressions are compiled once at startup (a broken one makes the config invalid) and evaluated with a time and depth
// bound, since a recursive expression would otherwise run forever. Bindings: `$secrets` (the
// destination's named secrets), `$kind`, `$triggers`, and `$event` (see event-view.ts).
import jsonata from 'jsonata';
import type { BridgeConfig, TemplateConfig } from './config';
import { ConfigError, TemplateError } from './errors';
import { describeEvent } from './event-view';
import { destinationKey } from './jobs';
import type { Notification } from './payloads';
import { PRESETS, type Preset } from './presets';

export const TEMPLATE_TIMEOUT_MS = 1_000;
export const TEMPLATE_MAX_DEPTH = 500;

export interface RenderInput {
  /** The raw request body, exactly as received. */
  body: string;
  notification: Notification;
  /** Named secrets the destination declares, for templates that embed a key in the body. */
  secrets?: Readonly<Record<string, string>>;
}

/** Renders the outgoing body text for one notification. */
export type Renderer = (input: RenderInput) => Promise<string>;

/** Options for reading `{ file }` templates; absent where templates were inlined at build time. */
export interface TemplateSources {
  readFile?: (path: string) => string;
}

const passthrough: Renderer = async ({ body }) => body;

function jsonataMessage(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || String(error);
}

export function compileExpression(source: string): Renderer {
  const expression = jsonata(source, { timeout: TEMPLATE_TIMEOUT_MS, stack: TEMPLATE_MAX_DEPTH });
  return async ({ notification, secrets }) => {
    let result: unknown;
    try {
      result = await expression.evaluate(notification.payload, {
        secrets: secrets ?? {},
        kind: notification.kind,
        triggers: notification.triggers,
        event: describeEvent(notification),
      });
    } catch (error) {
      throw new TemplateError(`template failed: ${jsonataMessage(error)}`);
    }
    const text = JSON.stringify(result);
    if (text === undefined) throw new TemplateError('template produced no output for this payload');
    return text;
  };
}

/** A preset as a Renderer: the same bindings and errors as an expression. */
export function presetRenderer(preset: Preset): Renderer {
  return async ({ notification, secrets }) => {
    let text: string | undefined;
    try {
      text = JSON.stringify(
        preset({ event: describeEvent(notification), payload: notification.payload, secrets: secrets ?? {} }),
      );
    } catch (error) {
      throw new TemplateError(`template failed: ${jsonataMessage(error)}`);
    }
    if (text === undefined) throw new TemplateError('template produced no output for this payload');
    return text;
  };
}

/** The JSONata source of a user template, or null for passthrough. */
function sourceOf(template: TemplateConfig, sources: TemplateSources): string | null {
  if (template.jsonata !== undefined) return template.jsonata;
  if (template.file !== undefined) {
    if (!sources.readFile) throw new Error('file templates must be inlined before deployment');
    return sources.readFile(template.file);
  }
  return null;
}

export function compileTemplate(template: TemplateConfig, sources: TemplateSources = {}): Renderer {
  if (template.preset !== undefined) {
    const preset = PRESETS[template.preset];
    return preset ? presetRenderer(preset) : passthrough;
  }
  const source = sourceOf(template, sources);
  return source === null ? passthrough : compileExpression(source);
}

/** Compiles every destination's template; throws ConfigError naming each one that fails. */
export function compileTemplates(config: BridgeConfig, sources: TemplateSources = {}): Map<string, Renderer> {
  const renderers = new Map<string, Renderer>();
  const problems: string[] = [];
  config.routes.forEach((route, r) => {
    route.destinations.forEach((destination, d) => {
      const field = Object.keys(destination.template)[0] ?? 'template';
      try {
        renderers.set(
          destinationKey(route.id, destination.id),
          compileTemplate(destination.template, sources),
        );
      } catch (error) {
        problems.push(`routes[${r}].destinations[${d}].template.${field}: ${jsonataMessage(error)}`);
      }
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return renderers;
}
