import { describe, expect, it } from 'vitest';
import { classifyPayload } from '../../../lambda/core/receive/payloads';
import { describeEvent } from '../../../lambda/core/render/event-view';
import { outcomeOf } from '../../../lambda/core/render/event-view/outcome';
import { fixture } from '../../support/fixtures';

const viewOf = (body: string) => describeEvent(classifyPayload(JSON.parse(body)));

describe('describeEvent', () => {
  it.each([
    ['tfe-run-errored', 'failure', 'Run Canceled in acme-org/my-workspace'],
    ['tfe-run-planned', 'success', 'Run Planned in acme-org/my-workspace'],
    ['tfe-run-planning-captured', 'info', 'Run Planning in org1/tf-aws-simple'],
    ['assessment-drifted', 'failure', 'Drift Detected in acme-org/my-workspace'],
    ['workspace-auto-destroy-reminder', 'warning', 'Auto Destroy Reminder in acme-org/learned-english-dog'],
    ['workspace-auto-destroy-results', 'success', 'Auto Destroy Results in acme-org/learned-english-dog'],
    [
      'team-change-request.assembled',
      'warning',
      'Change request for acme-org/my-workspace: Rotate the database password',
    ],
    ['hcp-packer-version-assigned', 'info', 'HCP Packer: Assigned version to channel (test)'],
    [
      'hcp-vault-secrets-secret-updated',
      'info',
      'HCP Vault Secrets: Update an existing KV secret (my-app/my-secret)',
    ],
    ['hcp-verification', 'info', 'HCP: Webhook verification'],
    ['tfe-verification', 'info', 'Verification of test'],
  ])('%s is a %s: "%s"', (name, outcome, summary) => {
    expect(viewOf(fixture(name))).toMatchObject({ outcome, summary });
  });

  it('links a run to its run page and names who updated it', () => {
    expect(viewOf(fixture('tfe-run-errored'))).toMatchObject({
      url: 'https://app.terraform.io/app/acme-org/my-workspace/runs/run-FwnENkvDnrpyFC7M',
      url_label: 'View run',
      actor: 'sample-user',
      timestamp: '2019-01-25T18:37:04.000Z',
      epoch: 1548441424,
      source: 'HCP Terraform',
    });
  });

  it('names a Terraform Enterprise instance by its host', () => {
    expect(viewOf(fixture('tfe-run-completed-captured')).source).toBe('Terraform Enterprise');
  });

  it('links an assessment to the workspace on the instance that sent it', () => {
    expect(viewOf(fixture('assessment-drifted'))).toMatchObject({
      url: 'https://app.terraform.io/app/acme-org/workspaces/my-workspace',
      details: '4 resources drifted, 55 unchanged. Checks: 33 passed, 0 failed.',
    });
  });

  it('links auto-destroy results to the destroy run', () => {
    expect(viewOf(fixture('workspace-auto-destroy-results')).url).toBe(
      'https://app.terraform.io/app/acme-org/workspaces/learned-english-dog/runs/run-vRVQxpqq64EA9V5a',
    );
  });

  it('gives HCP events no guessed link', () => {
    expect(viewOf(fixture('hcp-packer-version-assigned'))).toMatchObject({ url: null, url_label: null });
  });

  it('turns a failed auto-destroy run creation red', () => {
    const body = JSON.parse(fixture('workspace-auto-destroy-results'));
    body.details.run_status = null;
    body.details.run_create_error_message = 'Workspace is locked';
    expect(viewOf(JSON.stringify(body))).toMatchObject({
      outcome: 'failure',
      details: 'The destroy run could not be created: Workspace is locked',
    });
  });

  it('describes an unrecognized body by its keys, without inventing a source', () => {
    expect(viewOf('{"hello":"world","n":1}')).toMatchObject({
      kind: 'unknown',
      trigger: null,
      source: 'HashiCorp',
      message: 'Unrecognized notification',
      details: 'Top-level keys: hello, n',
      facts: [],
    });
  });

  it('survives wrong types where strings are expected', () => {
    const body = JSON.parse(fixture('tfe-run-errored'));
    Object.assign(body, { workspace_name: 42, run_url: ['x'], notifications: [null] });
    expect(() => viewOf(JSON.stringify(body))).not.toThrow();
  });
});

describe('describeEvent of a roll-up (several notifications[] entries)', () => {
  const entry = (trigger: string, status: string, at: string | null) => ({
    message: `Run ${status}`,
    trigger,
    run_status: status,
    run_updated_at: at,
    run_updated_by: `user-${status}`,
  });
  const rollUp = (...notifications: unknown[]) => {
    const body = JSON.parse(fixture('tfe-run-errored'));
    return viewOf(JSON.stringify({ ...body, notifications }));
  };

  it('says what the latest event says, whatever the order of the entries', () => {
    const view = rollUp(
      entry('run:errored', 'errored', '2024-01-01T10:03:00Z'),
      entry('run:planning', 'planning', '2024-01-01T10:00:00Z'),
    );
    expect(view).toMatchObject({
      trigger: 'run:errored',
      status: 'errored',
      message: 'Run errored',
      outcome: 'failure',
      actor: 'user-errored',
      timestamp: '2024-01-01T10:03:00Z',
    });
    expect(view.facts).toContainEqual({ title: 'Events', value: 'Run planning → Run errored' });
  });

  it('takes the last entry when they carry no time', () => {
    expect(
      rollUp(entry('run:planning', 'planning', null), entry('run:applying', 'applying', null)),
    ).toMatchObject({
      trigger: 'run:applying',
      outcome: 'info',
    });
  });

  it('lets a later event end a warning: approval needed, then applying, is not yellow', () => {
    const view = rollUp(
      entry('run:needs_attention', 'planned', '2024-01-01T10:01:00Z'),
      entry('run:applying', 'applying', '2024-01-01T10:02:00Z'),
    );
    expect(view).toMatchObject({ trigger: 'run:applying', outcome: 'info' });
  });

  it('stays red when any event failed, even one that says it came first', () => {
    const view = rollUp(
      entry('run:errored', 'errored', '2024-01-01T10:01:00Z'),
      entry('run:completed', 'applied', '2024-01-01T10:02:00Z'),
    );
    expect(view).toMatchObject({ trigger: 'run:completed', outcome: 'failure' });
  });

  it('lists nothing extra for a single event', () => {
    expect(viewOf(fixture('tfe-run-errored')).facts.map((fact) => fact.title)).toEqual([
      'Status',
      'Run',
      'By',
    ]);
  });
});

describe('describeEvent on hostile values', () => {
  it('gives links in their normalized form, and none past 2000 characters', () => {
    const body = JSON.parse(fixture('tfe-run-errored'));
    const url = (runUrl: string) => viewOf(JSON.stringify({ ...body, run_url: runUrl })).url;
    expect(url('https://app.terraform.io/a b?x=<y>|z')).toBe('https://app.terraform.io/a%20b?x=%3Cy%3E|z');
    expect(url(`https://app.terraform.io/${'a'.repeat(2000)}`)).toBeNull();
    expect(url('javascript:alert(1)')).toBeNull();
  });

  it.each([
    ['hashicorp.<!channel>.x', 'HCP'],
    ['hashicorp.constructor.x', 'HCP constructor'],
    ['hashicorp.__proto__.x', 'HCP'],
    ['hashicorp.waypoint-next.addon', 'HCP waypoint-next'],
    ['hashicorp.packer.version', 'HCP Packer'],
  ])('names the product of event_source %s "%s"', (source, name) => {
    const body = JSON.parse(fixture('hcp-packer-version-assigned'));
    expect(viewOf(JSON.stringify({ ...body, event_source: source })).source).toBe(name);
  });

  it('has no epoch for a time before 1970 or after 9999', () => {
    const body = JSON.parse(fixture('tfe-run-errored'));
    const at = (time: string) =>
      viewOf(
        JSON.stringify({ ...body, notifications: [{ ...body.notifications[0], run_updated_at: time }] }),
      );
    expect(at('+275760-09-13T00:00:00.000Z').epoch).toBeNull();
    expect(at('1969-12-31T23:59:59Z').epoch).toBeNull();
    expect(at('9999-12-31T23:59:59Z').epoch).toBe(253_402_300_799);
  });
});

describe('outcomeOf', () => {
  it.each([
    [['run:errored'], 'canceled', 'failure'],
    [['run:completed'], 'applied', 'success'],
    [['run:needs_attention'], 'planned', 'warning'],
    [['run:created'], 'pending', 'info'],
    [['run:applying'], 'errored', 'failure'],
    [['run:policy_checked'], 'policy_soft_failed', 'warning'],
    [['workspace:some_future_trigger'], null, 'info'],
  ] as const)('%j with status %s is %s', (triggers, status, outcome) => {
    expect(outcomeOf(triggers, status, false)).toBe(outcome);
  });
});
