import { describe, expect, it } from 'vitest';
import { matchesWorkspaceTags, skipReason } from '../../../lambda/core/deliver/route-filter';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { compilePredicate, type Renderer } from '../../../lambda/core/render/templates';
import { fixture } from '../../support/fixtures';

describe('matchesWorkspaceTags', () => {
  it.each<[Parameters<typeof matchesWorkspaceTags>[0], string[] | undefined, boolean]>([
    [{ any: ['prod'] }, ['prod', 'team-a'], true],
    [{ any: ['prod'] }, ['staging'], false],
    [{ all: ['prod', 'team-a'] }, ['team-a', 'PROD'], true],
    [{ all: ['prod', 'team-a'] }, ['prod'], false],
    [{ none: ['prod'] }, ['staging'], true],
    [{ none: ['prod'] }, ['prod'], false],
    [{ any: ['prod'] }, [], false],
    // Unknown (no enrichment): sent rather than lost.
    [{ any: ['prod'] }, undefined, true],
    [{ none: ['prod'] }, undefined, true],
  ])('%j with %j is %s', (filter, tags, expected) => {
    expect(matchesWorkspaceTags(filter, tags)).toBe(expected);
  });
});

describe('skipReason', () => {
  const notification = classifyPayload(JSON.parse(fixture('tfe-run-errored')));
  const input = { body: '', notification };
  const renderer = (when?: string): Renderer => {
    const render: Renderer = async () => '{}';
    if (when) render.when = compilePredicate(when);
    return render;
  };

  it('runs when over the event view: true delivers, false, no result or an error skips', async () => {
    expect(await skipReason(undefined, renderer("$event.status = 'canceled'"), input)).toBeNull();
    expect(await skipReason(undefined, renderer("$event.status = 'errored'"), input)).toBe(
      'filter.when was not true',
    );
    expect(await skipReason(undefined, renderer('$event.nothing.here'), input)).toBe(
      'filter.when was not true',
    );
    expect(await skipReason(undefined, renderer('"yes"'), input)).toBeNull();
  });

  it('sees the enrichment in $event', async () => {
    const enrichment = {
      plan: null,
      apply: null,
      cost: null,
      policy: null,
      error: null,
      workspace_tags: ['prod'],
    };
    const when = renderer("'prod' in $event.workspace_tags");
    expect(await skipReason(undefined, when, input)).not.toBeNull();
    expect(await skipReason(undefined, when, { ...input, enrichment })).toBeNull();
    expect(
      await skipReason({ workspaceTags: { none: ['prod'] } }, renderer(), { ...input, enrichment }),
    ).toBe('filter.workspaceTags did not match');
  });
});
