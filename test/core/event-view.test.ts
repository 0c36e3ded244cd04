import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../lambda/core/event-view';
import { outcomeOf } from '../../lambda/core/event-view/outcome';
import { classifyPayload } from '../../lambda/core/payloads';
import { fixture } from '../support/fixtures';

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
