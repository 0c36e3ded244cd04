import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambda/core/config/parse';
import type { FilterConfig } from '../../../lambda/core/config/schema';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { matchesFilter, selectDestinations } from '../../../lambda/core/receive/routing';
import { fixture } from '../../support/fixtures';

const notificationOf = (name: string) => classifyPayload(JSON.parse(fixture(name)));

describe('matchesFilter', () => {
  it.each<[string, FilterConfig | undefined, string, boolean]>([
    ['no filter', undefined, 'tfe-run-planned', true],
    ['trigger listed', { triggers: ['run:completed'] }, 'tfe-run-planned', true],
    ['trigger not listed', { triggers: ['run:errored'] }, 'tfe-run-planned', false],
    ['granular trigger_type', { triggers: ['run:run_canceled'] }, 'tfe-run-errored-with-trigger-type', true],
    [
      'auto-destroy alias from go-tfe',
      { triggers: ['workspace:auto_destroy_run_results'] },
      'workspace-auto-destroy-results',
      true,
    ],
    ['trigger wildcard', { triggers: ['assessment:*'] }, 'assessment-drifted', true],
    ['HCP source wildcard', { triggers: ['hashicorp.packer.*'] }, 'hcp-packer-version-assigned', true],
    [
      'HCP source of another service',
      { triggers: ['hashicorp.packer.*'] },
      'hcp-vault-secrets-secret-created',
      false,
    ],
    ['workspace by name', { workspaces: ['my-workspace'] }, 'tfe-run-planned', true],
    ['workspace by id', { workspaces: ['ws-xyz'] }, 'tfe-run-planned', true],
    ['workspace wildcard miss', { workspaces: ['prod-*'] }, 'tfe-run-planned', false],
    [
      'workspace filter on an HCP event (no workspace)',
      { workspaces: ['*'] },
      'hcp-packer-version-assigned',
      false,
    ],
    ['organization', { organizations: ['acme-org'] }, 'assessment-drifted', true],
    ['other organization', { organizations: ['other'] }, 'assessment-drifted', false],
    ['kind', { kinds: ['change-request'] }, 'team-change-request.assembled', true],
    ['other kind', { kinds: ['run'] }, 'team-change-request.assembled', false],
    ['all fields must match', { kinds: ['run'], organizations: ['other'] }, 'tfe-run-planned', false],
  ])('%s', (_case, filter, name, expected) => {
    expect(matchesFilter(filter, notificationOf(name))).toBe(expected);
  });
});

describe('selectDestinations', () => {
  it('returns the destinations whose filters match, in config order', () => {
    const config = parseConfig({
      routes: [
        {
          id: 'r',
          allowUnsigned: true,
          destinations: [
            { id: 'errors', url: 'https://a.example', filter: { triggers: ['run:errored'] } },
            { id: 'all', url: 'https://b.example' },
            { id: 'drift', url: 'https://c.example', filter: { kinds: ['assessment'] } },
          ],
        },
      ],
    });
    const route = config.routes[0];
    if (!route) throw new Error('no route');
    expect(selectDestinations(route, notificationOf('tfe-run-errored')).map((d) => d.id)).toEqual([
      'errors',
      'all',
    ]);
    expect(selectDestinations(route, notificationOf('assessment-drifted')).map((d) => d.id)).toEqual([
      'all',
      'drift',
    ]);
  });
});

describe('statuses (decided from the payload)', () => {
  const withStatus = (status: string) => {
    const payload = JSON.parse(fixture('tfe-run-errored'));
    payload.notifications[0].run_status = status;
    return classifyPayload(payload);
  };

  it('tells errored, canceled and discarded apart, with wildcards', () => {
    expect(matchesFilter({ statuses: ['errored'] }, withStatus('errored'))).toBe(true);
    expect(matchesFilter({ statuses: ['errored'] }, withStatus('canceled'))).toBe(false);
    expect(matchesFilter({ statuses: ['errored'] }, withStatus('discarded'))).toBe(false);
    expect(matchesFilter({ statuses: ['*canceled'] }, withStatus('force_canceled'))).toBe(true);
  });

  it('reads the latest entry of a roll-up, and no status matches nothing', () => {
    const payload = JSON.parse(fixture('tfe-run-errored'));
    payload.notifications = [
      { trigger: 'run:planning', run_status: 'planning', run_updated_at: '2024-01-01T00:00:00Z' },
      { trigger: 'run:errored', run_status: 'discarded', run_updated_at: '2024-01-01T00:01:00Z' },
    ];
    expect(matchesFilter({ statuses: ['planning'] }, classifyPayload(payload))).toBe(false);
    expect(matchesFilter({ statuses: ['discarded'] }, classifyPayload(payload))).toBe(true);
    expect(matchesFilter({ statuses: ['*'] }, notificationOf('assessment-drifted'))).toBe(false);
  });

  it('leaves workspaceTags and when to the worker', () => {
    expect(matchesFilter({ workspaceTags: { any: ['prod'] }, when: 'false' }, withStatus('errored'))).toBe(
      true,
    );
  });
});
