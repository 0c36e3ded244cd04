// The filter fields of issue 18 (routing and noise control), kept apart from destination.ts:
// `statuses` is decided by the receiver from the payload; `workspaceTags` and `when` need the
// enrichment, so the worker decides them before rendering (docs/enrichment.md#where-filters-run).
import * as z from 'zod';

const stringList = z.array(z.string().min(1)).min(1, 'must list at least one value');

const tagList = z.array(z.string().min(1).max(255)).min(1, 'must list at least one tag').max(50);

export const workspaceTagsSchema = z
  .strictObject({
    any: tagList.optional().describe('Matches when the workspace has at least one of these tags.'),
    all: tagList.optional().describe('Matches when the workspace has every one of these tags.'),
    none: tagList.optional().describe('Matches when the workspace has none of these tags.'),
  })
  .refine((t) => t.any !== undefined || t.all !== undefined || t.none !== undefined, {
    error: 'must set any, all or none',
  });

export const routingFilterFields = {
  statuses: stringList.optional().meta({
    description:
      'Run statuses to forward (any may match; `*` is a wildcard), as the payload says them: errored, canceled, discarded, applied, planned, ... Decided when the notification arrives.',
    examples: [['errored'], ['errored', 'canceled']],
  }),
  workspaceTags: workspaceTagsSchema.optional().meta({
    description:
      "Workspace tags to match (needs the route's enrich.hcpTerraform). Without an enrichment (API slow or refusing), this filter matches: a notification is sent rather than lost.",
    examples: [{ any: ['prod'] }, { none: ['prod'] }],
  }),
  when: z
    .string()
    .min(1, 'must not be empty')
    .max(4_000)
    .optional()
    .meta({
      description:
        'A JSONata predicate over the notification with $event (enriched when the route has enrich), $kind and $triggers bound; forwarded when true. Compiled at load, run under the template limits.',
      examples: ["$event.error.phase = 'apply'", "$not($event.status = 'discarded')"],
    }),
};
