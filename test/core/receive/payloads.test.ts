import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../lambda/core/errors';
import { classifyPayload, parseJsonObject } from '../../../lambda/core/receive/payloads';
import { fixture, fixtureNames } from '../../support/fixtures';

const classify = (name: string) => classifyPayload(JSON.parse(fixture(name)));

describe('classifyPayload on HashiCorp samples', () => {
  it.each([
    ['tfe-run-errored', 'run', ['run:errored']],
    ['tfe-run-errored-with-trigger-type', 'run', ['run:errored', 'run:run_canceled']],
    ['tfe-run-planned', 'run', ['run:completed']],
    ['tfe-run-created-captured', 'run', ['run:created']],
    ['tfe-run-planning-captured', 'run', ['run:planning']],
    ['tfe-run-completed-captured', 'run', ['run:completed']],
    ['tfe-verification', 'verification', ['verification']],
    ['tfe-verification-captured', 'verification', ['verification']],
    ['assessment-drifted', 'assessment', ['assessment:drifted']],
    ['workspace-auto-destroy-reminder', 'auto-destroy', ['workspace:auto_destroy_reminder']],
    ['workspace-auto-destroy-results', 'auto-destroy', ['workspace:auto_destroy_results']],
    ['team-change-request.assembled', 'change-request', ['change_request:created']],
    ['hcp-verification', 'verification', ['hashicorp.webhook.verification:test']],
    ['hcp-packer-version-assigned', 'hcp-event', ['hashicorp.packer.version:assign']],
    ['hcp-vault-secrets-app-created', 'hcp-event', ['hashicorp.secrets.app:create']],
    ['hcp-vault-secrets-integration-created', 'hcp-event', ['hashicorp.secrets.integration:create']],
    ['hcp-vault-secrets-secret-created', 'hcp-event', ['hashicorp.secrets.secret:create']],
    ['hcp-vault-secrets-secret-updated', 'hcp-event', ['hashicorp.secrets.secret:update']],
  ])('%s is %s', (name, kind, triggers) => {
    const notification = classify(name);
    expect(notification.kind).toBe(kind);
    expect(notification.triggers).toEqual(triggers);
  });

  it('covers every fixture in the table above', () => {
    expect(fixtureNames()).toHaveLength(18);
  });

  it('reads workspace and organization from run, assessment and auto-destroy bodies', () => {
    expect(classify('tfe-run-planned')).toMatchObject({
      workspaceId: 'ws-xyz',
      workspaceName: 'my-workspace',
      organization: 'acme-org',
    });
    expect(classify('assessment-drifted')).toMatchObject({
      workspaceName: 'my-workspace',
      organization: 'acme-org',
    });
    expect(classify('workspace-auto-destroy-results')).toMatchObject({
      workspaceName: 'learned-english-dog',
      organization: 'acme-org',
    });
    expect(classify('tfe-verification').workspaceName).toBeUndefined();
  });

  it('treats a body whose every entry has trigger "verification" as a verification', () => {
    const body = JSON.parse(fixture('tfe-run-planned'));
    body.notifications = [{ trigger: 'verification' }, { trigger: 'verification' }];
    expect(classifyPayload(body).kind).toBe('verification');
  });

  it('refuses a verification mixed with real entries (it would be answered 200 and the entries dropped)', () => {
    const body = JSON.parse(fixture('tfe-run-planned'));
    body.notifications.push({ trigger: 'verification' });
    expect(() => classifyPayload(body)).toThrow(PayloadError);
  });

  it.each([
    [{ hello: 'world' }, 'unknown', []],
    [
      { trigger: 'workspace:deleted', trigger_scope: 'workspace', payload_version: '2', details: {} },
      'unknown',
      ['workspace:deleted'],
    ],
    [{ trigger: 'something:new' }, 'unknown', ['something:new']],
  ])('never rejects an unknown shape: %j is %s', (payload, kind, triggers) => {
    expect(classifyPayload(payload)).toMatchObject({ kind, triggers });
  });
});

describe('parseJsonObject', () => {
  it.each([
    ['not json', 'body is not valid JSON'],
    ['[1,2]', 'body must be a JSON object'],
    ['null', 'body must be a JSON object'],
    ['"text"', 'body must be a JSON object'],
    ['', 'body is not valid JSON'],
  ])('rejects %j', (body, reason) => {
    expect(parseJsonObject(body)).toEqual({ ok: false, reason });
  });
});
