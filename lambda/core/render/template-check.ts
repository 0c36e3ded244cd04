// Renders sample payloads through every destination's template, as `validate` does with the
// bundled fixtures: a template that compiles can still fail on a family it never saw.
import type { BridgeConfig, FilterConfig } from '../config/schema';
import { eventDetailProblem } from '../deliver/aws-call';
import { destinationKey } from '../receive/jobs';
import { classifyPayload, type Notification, parseJsonObject } from '../receive/payloads';
import { matchesFilter } from '../receive/routing';
import type { Renderer } from './templates';

export interface Sample {
  name: string;
  body: string;
}

export interface TemplateCheck {
  /** "routes[0].destinations[1].template: template failed: ... (on 2 fixtures: a, b)", one line
   *  per destination and distinct error. */
  problems: string[];
  renders: number;
  /** Destinations whose filter admits none of the samples (checked for compiling only). */
  unchecked: string[];
}

interface Classified extends Sample {
  notification: Notification;
}

/**
 * The samples of every family the filter admits. Workspace and organization filters are ignored
 * (sample names are examples); a trigger filter admits a family when it matches one of its
 * samples, and then every sample of that family is rendered, not only the matching ones.
 */
function admittedSamples(filter: FilterConfig | undefined, samples: Classified[]): Classified[] {
  const familyFilter: FilterConfig | undefined = filter && {
    ...(filter.triggers ? { triggers: filter.triggers } : {}),
    ...(filter.kinds ? { kinds: filter.kinds } : {}),
  };
  const families = new Set(
    samples
      .filter((sample) => matchesFilter(familyFilter, sample.notification))
      .map((sample) => sample.notification.kind),
  );
  return samples.filter((sample) => families.has(sample.notification.kind));
}

/** Renders with placeholder values for the destination's named secrets (`<secret routingKey>`). */
export async function checkTemplates(
  config: BridgeConfig,
  renderers: ReadonlyMap<string, Renderer>,
  samples: readonly Sample[],
): Promise<TemplateCheck> {
  const classified: Classified[] = [];
  for (const sample of samples) {
    const parsed = parseJsonObject(sample.body);
    if (!parsed.ok) continue;
    const notification = classifyPayload(parsed.value);
    // Verification requests are answered by the bridge and never reach a template.
    if (notification.kind !== 'verification') classified.push({ ...sample, notification });
  }
  const check: TemplateCheck = { problems: [], renders: 0, unchecked: [] };
  for (const [r, route] of config.routes.entries()) {
    for (const [d, destination] of route.destinations.entries()) {
      const render = renderers.get(destinationKey(route.id, destination.id));
      const admitted = admittedSamples(destination.filter, classified);
      if (!render) continue;
      if (admitted.length === 0) check.unchecked.push(destinationKey(route.id, destination.id));
      const secrets = Object.fromEntries(
        Object.keys(destination.secrets ?? {}).map((name) => [name, `<secret ${name}>`]),
      );
      // A template that fails on a field every payload lacks fails the same way on each: group
      // the fixtures by error, so 15 identical lines become one.
      const failures = new Map<string, string[]>();
      for (const sample of admitted) {
        check.renders++;
        try {
          const body = await render({ body: sample.body, notification: sample.notification, secrets });
          const problem = destination.eventbridge ? eventDetailProblem(body) : null;
          if (problem !== null) throw new Error(problem);
        } catch (error) {
          const message = (error as Error).message;
          failures.set(message, [...(failures.get(message) ?? []), sample.name]);
        }
      }
      for (const [message, names] of failures) {
        check.problems.push(
          `routes[${r}].destinations[${d}].template: ${message} (${describeFixtures(names)})`,
        );
      }
    }
  }
  return check;
}

const LISTED_FIXTURES = 3;

/** `on fixture a`, `on 2 fixtures: a, b`, `on 15 fixtures: a, b, c and 12 more`. */
function describeFixtures(names: readonly string[]): string {
  if (names.length === 1) return `on fixture ${names[0]}`;
  const listed = names.slice(0, LISTED_FIXTURES).join(', ');
  const more = names.length > LISTED_FIXTURES ? ` and ${names.length - LISTED_FIXTURES} more` : '';
  return `on ${names.length} fixtures: ${listed}${more}`;
}
