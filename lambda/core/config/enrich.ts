// A route's optional enrichment: read the run from the HCP Terraform / TFE API before rendering
// (lambda/core/enrich/). Route level: one token per route, one read per run for all its destinations.
import * as z from 'zod';
import { secretRefSchema } from './destination';

export const DEFAULT_ENRICH_ADDRESS = 'https://app.terraform.io';
export const DEFAULT_ENRICH_BUDGET_MS = 3_000;

export const enrichSchema = z.strictObject({
  hcpTerraform: z
    .strictObject({
      token: secretRefSchema.describe(
        'An API token that can read the workspaces\' runs (a team token with "Read runs", or a user token).',
      ),
      address: z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
        .default(DEFAULT_ENRICH_ADDRESS)
        .describe('The API host: https://app.terraform.io (default), or your Terraform Enterprise address.'),
      errorExcerpt: z
        .boolean()
        .default(false)
        .describe(
          "Add the first error lines of an errored run's log (500 characters at most). Off by default: a channel's members may not be allowed to read the workspace's runs.",
        ),
      budgetMs: z
        .int()
        .min(100)
        .max(30_000)
        .default(DEFAULT_ENRICH_BUDGET_MS)
        .describe(
          'The most time the API reads may take per job, in ms; the message then goes out without them.',
        ),
    })
    .describe(
      'Read run details (plan and apply counts, cost, policies, tags, errors) from HCP Terraform or TFE.',
    ),
});
