// The README's routing example (the yaml block after `<!-- routing-example -->`), so tests run
// exactly what the README shows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ExampleRoute {
  id: string;
  enrich: unknown;
  destinations: Array<{ id: string; filter: Record<string, unknown> }>;
}

export function readmeRoutingExample(): { routes: ExampleRoute[] } {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const match = /<!-- routing-example -->\n```yaml\n([\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no routing example');
  return parse(match[1]) as { routes: ExampleRoute[] };
}

/** One destination's filter in the example. */
export function exampleFilter(id: string): Record<string, unknown> {
  const destination = readmeRoutingExample().routes[0]?.destinations.find((d) => d.id === id);
  if (!destination) throw new Error(`README routing example has no destination ${id}`);
  return destination.filter;
}
