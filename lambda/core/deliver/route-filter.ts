// The filter fields the worker decides, after the enrichment and before rendering (the receiver
// decides the rest from the payload: receive/routing.ts). A job they turn away is recorded as
// skipped: delivered to nobody on purpose, not lost and not dead-lettered.
import type { FilterConfig } from '../config/schema';
import type { Renderer, RenderInput } from '../render/templates';

/** Tags compare without case (HCP Terraform stores them lower-case). Unknown tags (no enrichment)
 *  match: a message sent without enrichment beats one lost because the API was slow. */
export function matchesWorkspaceTags(
  filter: FilterConfig['workspaceTags'],
  tags: readonly string[] | undefined,
): boolean {
  if (!filter || tags === undefined) return true;
  const have = new Set(tags.map((tag) => tag.toLowerCase()));
  const has = (tag: string) => have.has(tag.toLowerCase());
  if (filter.any && !filter.any.some(has)) return false;
  if (filter.all && !filter.all.every(has)) return false;
  if (filter.none?.some(has)) return false;
  return true;
}

/** Why the job is skipped, or null to deliver it. Throws TemplateError when `when` fails. */
export async function skipReason(
  filter: FilterConfig | undefined,
  render: Renderer,
  input: RenderInput,
): Promise<string | null> {
  if (!matchesWorkspaceTags(filter?.workspaceTags, input.enrichment?.workspace_tags)) {
    return 'filter.workspaceTags did not match';
  }
  if (render.when && !(await render.when(input))) return 'filter.when was not true';
  return null;
}
