// The destination kinds `tfe-bridge init` can start a config with: each one's config entry (as
// docs/destinations.md shows it), the secrets it names, and what the person must put in them.
import { SECRET_PLACEHOLDER } from '../core/secrets';

export const DESTINATION_KINDS = ['slack', 'teams', 'discord', 'pagerduty', 'github', 'api'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

export const KIND_LABELS: Readonly<Record<DestinationKind, string>> = {
  slack: 'Slack incoming webhook',
  teams: 'Microsoft Teams (Workflows webhook)',
  discord: 'Discord webhook',
  pagerduty: 'PagerDuty Events API v2',
  github: 'GitHub repository_dispatch',
  api: 'any HTTPS API with a bearer token',
};

/** What a kind needs beyond its name: a repository for github, a URL for api. */
export type KindInput = { kind: DestinationKind; repo?: string; url?: string };

export interface InitDestination {
  /** The destination entry of the config. */
  entry: Record<string, unknown>;
  /** secretId → value, REPLACE_ME where the person has to fill it in. */
  secrets: Record<string, unknown>;
  /** What the person puts in place of REPLACE_ME, and where: `"tfe-bridge/x-slack-webhook-url":
   *  your Slack incoming webhook URL`. */
  todo: string;
}

export function initDestination(route: string, input: KindInput): InitDestination {
  const id = input.kind;
  const secretId = (name: string) => `tfe-bridge/${route}-${name}`;
  switch (input.kind) {
    case 'slack':
    case 'teams':
    case 'discord': {
      // The webhook URL is the credential: it lives in the secrets file, never in the config.
      const urlId = secretId(`${id}-webhook-url`);
      return {
        entry: { id, url: { secret: { secretId: urlId } }, template: { preset: id } },
        secrets: { [urlId]: SECRET_PLACEHOLDER },
        todo: `"${urlId}": your ${KIND_LABELS[input.kind]} URL`,
      };
    }
    case 'pagerduty': {
      const keyId = secretId('pagerduty');
      return {
        entry: {
          id,
          url: 'https://events.pagerduty.com/v2/enqueue',
          template: { preset: 'pagerduty' },
          secrets: { routingKey: { secretId: keyId, jsonKey: 'routingKey' } },
          // Only what opens or resolves an incident.
          filter: {
            triggers: [
              'run:errored',
              'run:needs_attention',
              'run:completed',
              'assessment:*',
              'workspace:auto_destroy_*',
            ],
          },
        },
        secrets: { [keyId]: { routingKey: SECRET_PLACEHOLDER } },
        todo: `"${keyId}" (routingKey): your PagerDuty integration key`,
      };
    }
    case 'github': {
      const tokenId = secretId('github-token');
      return {
        entry: {
          id,
          url: `https://api.github.com/repos/${input.repo}/dispatches`,
          auth: { type: 'bearer', secret: { secretId: tokenId } },
          headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
          template: { preset: 'github-dispatch' },
        },
        secrets: { [tokenId]: SECRET_PLACEHOLDER },
        todo: `"${tokenId}": a GitHub token with "Contents: read and write" on ${input.repo}`,
      };
    }
    case 'api': {
      const tokenId = secretId('api-token');
      return {
        entry: {
          id,
          url: input.url,
          auth: { type: 'bearer', secret: { secretId: tokenId } },
          template: { preset: 'passthrough' },
        },
        secrets: { [tokenId]: SECRET_PLACEHOLDER },
        todo: `"${tokenId}": the API's bearer token`,
      };
    }
  }
}
