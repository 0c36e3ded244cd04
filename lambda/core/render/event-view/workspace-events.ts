// Views of the workspace-scoped families: health assessments, auto-destroy, change requests.
import type { ViewParts } from './parts';
import {
  type Json,
  link,
  num,
  obj,
  originOf,
  terraformSource,
  text,
  workspacePath,
  workspaceUrl,
} from './read';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function driftDetails(result: Json): string | null {
  const drifted = num(result.resources_drifted);
  const undrifted = num(result.resources_undrifted);
  const passed = num(result.checks_passed);
  const failed = num(result.checks_failed);
  const errored = num(result.checks_errored);
  const sentences: string[] = [];
  if (drifted !== null) {
    sentences.push(
      `${plural(drifted, 'resource')} drifted${undrifted === null ? '' : `, ${undrifted} unchanged`}.`,
    );
  }
  if (passed !== null || failed !== null) {
    sentences.push(
      `Checks: ${passed ?? 0} passed, ${failed ?? 0} failed${errored ? `, ${errored} errored` : ''}.`,
    );
  }
  return sentences.length > 0 ? sentences.join(' ') : null;
}

export function viewAssessment(payload: Json): ViewParts {
  const details = obj(payload.details);
  const result = obj(details.new_assessment_result);
  const workspace = text(details.workspace_name);
  const organization = text(details.organization_name);
  const trigger = text(payload.trigger);
  const configUrl = link(payload.notification_configuration_url);
  const subject = workspacePath(organization, workspace);
  return {
    trigger,
    // assessment:drifted → drifted, assessment:check_failure → check_failure
    status: trigger?.split(':')[1] ?? null,
    failed: result.succeeded === false,
    source: terraformSource(configUrl),
    message: text(payload.message) ?? 'Health assessment',
    details: driftDetails(result),
    subject,
    workspace,
    workspaceId: text(details.workspace_id),
    organization,
    id: text(result.id),
    url: workspaceUrl(originOf(configUrl), organization, workspace),
    urlLabel: 'Open workspace',
    actor: null,
    timestamp: text(result.created_at),
    facts: [
      ['Resources drifted', text(result.resources_drifted)],
      ['Checks failed', text(result.checks_failed)],
      ['Checks passed', text(result.checks_passed)],
    ],
  };
}

export function viewAutoDestroy(payload: Json): ViewParts {
  const details = obj(payload.details);
  const workspace = text(details.workspace_name);
  const organization = text(details.organization_name);
  const configUrl = link(payload.notification_configuration_url);
  const origin = originOf(configUrl);
  const destroyAt = text(details.auto_destroy_at);
  const runId = text(details.run_external_id);
  const runStatus = text(details.run_status);
  const createError = text(details.run_create_error_message);
  const workspacePage = workspaceUrl(origin, organization, workspace);
  const runPage = link(workspacePage && runId ? `${workspacePage}/runs/${encodeURIComponent(runId)}` : null);
  const subject = workspacePath(organization, workspace);
  let summary: string | null = null;
  if (createError) summary = `The destroy run could not be created: ${createError}`;
  else if (runStatus) summary = `The destroy run${runId ? ` ${runId}` : ''} finished: ${runStatus}.`;
  else if (destroyAt) summary = `The workspace is scheduled to be destroyed at ${destroyAt}.`;
  return {
    trigger: text(payload.trigger),
    status: runStatus ?? text(details.trigger_type),
    failed: createError !== null,
    source: terraformSource(configUrl),
    message: text(payload.message) ?? 'Auto-destroy',
    details: summary,
    subject,
    workspace,
    workspaceId: text(details.workspace_id),
    organization,
    id: runId,
    url: runPage ?? workspacePage,
    urlLabel: runPage ? 'View run' : 'Open workspace',
    actor: null,
    timestamp: text(details.run_created_at),
    facts: [
      ['Destroy at', destroyAt],
      ['Run', runId],
      ['Status', runStatus],
    ],
  };
}

export function viewChangeRequest(payload: Json, trigger: string | null): ViewParts {
  const workspace = text(payload.workspace_name);
  const organization = text(payload.organization_name);
  const url = link(payload.change_request_url);
  const subjectLine = text(payload.change_request_subject) ?? 'Change request';
  const actor = text(payload.change_request_created_by);
  const subject = workspacePath(organization, workspace);
  return {
    trigger,
    status: null,
    source: terraformSource(url),
    message: subjectLine,
    summary: subject ? `Change request for ${subject}: ${subjectLine}` : `Change request: ${subjectLine}`,
    details: text(payload.change_request_message),
    subject,
    workspace,
    workspaceId: text(payload.workspace_id),
    organization,
    id: null,
    url,
    urlLabel: 'View change request',
    actor,
    timestamp: text(payload.change_request_created_at),
    facts: [['Requested by', actor]],
  };
}
