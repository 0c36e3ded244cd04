// The template-rendering limit: a Slack message built by hand-written TypeScript, and the same
// message as a JSONata expression, so the two can be compared on identical output.
import type { Notification } from '../lambda/core/receive/payloads';

export interface SlackMessage {
  text: string;
  blocks: [
    { type: 'section'; text: { type: 'mrkdwn'; text: string } },
    { type: 'context'; elements: [{ type: 'mrkdwn'; text: string }] },
  ];
}

type Json = Record<string, unknown>;
// JSONata's `a ? a : b` falls through on absent, null and empty values; so does this.
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const obj = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

export function slackMessage({ payload, triggers, kind }: Notification): SlackMessage {
  const first = Array.isArray(payload.notifications) ? obj(payload.notifications[0]) : undefined;
  const details = obj(payload.details);
  const trigger = triggers[0] ?? kind;
  const message = str(first?.message) ?? str(payload.message) ?? trigger;
  const workspace = str(payload.workspace_name) ?? str(details?.workspace_name);
  const org = str(payload.organization_name) ?? str(details?.organization_name);
  const subject = workspace && org ? `${org}/${workspace}` : (workspace ?? org ?? 'HCP');
  const url = str(payload.run_url) ?? str(payload.change_request_url);
  const status = str(first?.run_status) ?? str(payload.event_action) ?? 'n/a';
  const text = `${message} in ${subject}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: url ? `*<${url}|${text}>*` : `*${text}*` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `trigger: ${trigger} · status: ${status}` }] },
    ],
  };
}

/**
 * slackMessage() in JSONata, written the plain way (no helper lambdas: a user-defined function
 * called per field made the same message 3-4x slower); the bench checks both give the same JSON
 * on every fixture.
 */
export const SLACK_MESSAGE_JSONATA = `(
  $first := notifications[0];
  $trigger := $triggers[0] ? $triggers[0] : $kind;
  $message := $first.message ? $first.message : message ? message : $trigger;
  $workspace := workspace_name ? workspace_name : details.workspace_name;
  $org := organization_name ? organization_name : details.organization_name;
  $subject := $workspace and $org ? $org & '/' & $workspace : $workspace ? $workspace : $org ? $org : 'HCP';
  $url := run_url ? run_url : change_request_url;
  $status := $first.run_status ? $first.run_status : event_action ? event_action : 'n/a';
  $text := $message & ' in ' & $subject;
  {
    "text": $text,
    "blocks": [
      { "type": "section", "text": { "type": "mrkdwn",
        "text": $url ? '*<' & $url & '|' & $text & '>*' : '*' & $text & '*' } },
      { "type": "context", "elements": [
        { "type": "mrkdwn", "text": 'trigger: ' & $trigger & ' · status: ' & $status } ] }
    ]
  }
)`;
