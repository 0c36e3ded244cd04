// Payloads every preset is rendered over: all bundled HashiCorp fixtures, plus synthetic ones
// for cases HashiCorp publishes no sample of (an unknown trigger, an unrecognized body, a run
// that needs attention, a roll-up, an all-null run, an unknown HCP service, markup in every
// field), and hostile ones for length limits and escaping (too long for a golden file).
import { fixture, fixtureNames } from './fixtures';

export interface PresetSample {
  name: string;
  body: string;
}

/** Fake but well-formed: PagerDuty routing keys are 32 characters. */
export const EXAMPLE_ROUTING_KEY = 'example-routing-key-000000000000';

const json = (value: unknown) => JSON.stringify(value);

/** Link, mention and markup syntax of Slack, Discord, Teams (markdown, date functions). */
export const MARKUP = [
  '[click](https://evil.example) [x](<https://evil.example>) <https://evil.example|click here>',
  '<!channel> <!here> <@U0123ABCD> <#C0123ABCD> <!subteam^S0123> @everyone @here',
  '<@123456789012345678> <@!123456789012345678> <@&123456789012345678> <#123456789012345678>',
  '</deploy:123456789012345678> <t:1700000000:R> <:party:123456789012345678>',
  '**bold** __under__ _it_ *it* ~s~ ~~strike~~ ||spoiler|| `code` ```block```',
  '> quote\n>>> all quoted\n# heading\n-# subtext\n- item\n+ item\n1. item\n2) item',
  '{{DATE(2024-01-01T00:00:00Z, SHORT)}} {{TIME(2024-01-01T00:00:00Z)}} &amp; &lt; & < > \\ \\\\',
].join('\n');

/** Emoji sequences, flags, RTL text with an override, combining marks. */
export const WIDE_TEXT = '👩‍👩‍👧‍👦🇺🇦 مرحبا بالعالم ‮txet desrever‬ שלום Z̷̡̛͉̤̞̗͙̔̈́͊ą̶̛̙̞̹̏l̸͎̏g̴̮̈́ơ̵͚';

/** A run notification with `text(field)` in every string field. */
export function runWith(text: (field: string) => string, runUrl?: string): Record<string, unknown> {
  return {
    payload_version: 1,
    notification_configuration_id: text('notification_configuration_id'),
    run_url: runUrl ?? 'https://app.terraform.io/app/acme-org/my-workspace/runs/run-1',
    run_id: text('run_id'),
    run_message: text('run_message'),
    run_created_at: '2024-03-04T10:00:00.000Z',
    run_created_by: text('run_created_by'),
    workspace_id: text('workspace_id'),
    workspace_name: text('workspace_name'),
    organization_name: text('organization_name'),
    notifications: [
      {
        message: text('message'),
        trigger: 'run:errored',
        run_status: 'errored',
        run_updated_at: '2024-03-04T10:05:00.000Z',
        run_updated_by: text('run_updated_by'),
      },
    ],
  };
}

const rollUpEntry = (message: string, trigger: string, status: string, at: string) => ({
  message,
  trigger,
  run_status: status,
  run_updated_at: at,
  run_updated_by: 'sample-user',
});

const SYNTHETIC: PresetSample[] = [
  {
    // A newer workspace trigger no family claims: classified `unknown`.
    name: 'synthetic-workspace-deleted',
    body: json({
      payload_version: '2',
      notification_configuration_id: 'nc-SZ3V3cLFxK6sqLKn',
      notification_configuration_url:
        'https://app.terraform.io/api/v2/notification-configurations/nc-SZ3V3cLFxK6sqLKn',
      trigger_scope: 'workspace',
      trigger: 'workspace:deleted',
      message: 'Workspace Deleted',
      details: { workspace_name: 'old-workspace', organization_name: 'acme-org' },
    }),
  },
  {
    name: 'synthetic-unrecognized',
    body: json({ hello: 'world', count: 3 }),
  },
  {
    name: 'synthetic-run-needs-attention',
    body: json({
      payload_version: 1,
      notification_configuration_id: 'nc-AeUQ2zfKZzW9TiGZ',
      run_url: 'https://app.terraform.io/app/acme-org/my-workspace/runs/run-XkqL9v2sPq8n4Dd1',
      run_id: 'run-XkqL9v2sPq8n4Dd1',
      run_message: 'Scale the queue workers to 8',
      run_created_at: '2024-03-04T10:00:00.000Z',
      run_created_by: 'sample-user',
      workspace_id: 'ws-XdeUVMWShTesDMME',
      workspace_name: 'my-workspace',
      organization_name: 'acme-org',
      notifications: [
        {
          message: 'Run Needs Attention',
          trigger: 'run:needs_attention',
          run_status: 'planned',
          run_updated_at: '2024-03-04T10:01:30.000Z',
          run_updated_by: 'sample-user',
        },
      ],
    }),
  },
  {
    // Three events of one run in one request, listed out of time order.
    name: 'synthetic-run-roll-up',
    body: json({
      payload_version: 1,
      notification_configuration_id: 'nc-AeUQ2zfKZzW9TiGZ',
      run_url: 'https://app.terraform.io/app/acme-org/my-workspace/runs/run-XkqL9v2sPq8n4Dd1',
      run_id: 'run-XkqL9v2sPq8n4Dd1',
      run_message: 'Scale the queue workers to 8',
      run_created_at: '2024-03-04T10:00:00.000Z',
      run_created_by: 'sample-user',
      workspace_id: 'ws-XdeUVMWShTesDMME',
      workspace_name: 'my-workspace',
      organization_name: 'acme-org',
      notifications: [
        rollUpEntry('Run Planning', 'run:planning', 'planning', '2024-03-04T10:00:10.000Z'),
        rollUpEntry('Run Errored', 'run:errored', 'errored', '2024-03-04T10:03:00.000Z'),
        rollUpEntry('Run Needs Attention', 'run:needs_attention', 'planned', '2024-03-04T10:01:30.000Z'),
      ],
    }),
  },
  {
    // HashiCorp's test payload has every field null; here with a trigger that pages.
    name: 'synthetic-all-null-errored',
    body: json({
      ...Object.fromEntries(Object.keys(runWith(() => '')).map((key) => [key, null])),
      payload_version: 1,
      notifications: [
        {
          message: null,
          trigger: 'run:errored',
          run_status: null,
          run_updated_at: null,
          run_updated_by: null,
        },
      ],
    }),
  },
  {
    // An HCP service we have no name for, and one whose "name" is a Slack mention.
    name: 'synthetic-hcp-unknown-source',
    body: json({
      event_id: 'waypoint.event:0000000000000000000',
      event_action: 'create',
      event_description: 'Created an add-on',
      event_source: 'hashicorp.waypoint-next.addon',
      event_version: '1',
      resource_name: 'waypoint/project/p-1/addon/a-1',
      event_payload: { name: 'my-addon', organization_id: 'org-1' },
    }),
  },
  {
    // Markup in every string field, and a run URL that tries to leave Slack's `<url|label>`.
    name: 'synthetic-markup-everywhere',
    body: json(
      runWith(
        (field) => `${field}: ${MARKUP}`,
        'https://app.terraform.io/app/acme-org/my-workspace/runs/run-1?next=>|<!channel>',
      ),
    ),
  },
];

/** Long, markup-laden text in every free-text field: checks truncation and escaping. */
export const STRESS_SAMPLE: PresetSample = {
  name: 'synthetic-stress',
  body: json({
    payload_version: 1,
    run_url: 'https://app.terraform.io/app/acme-org/my_workspace/runs/run-1',
    run_id: 'run-1',
    run_message: `<script>alert(1)</script> **bold** _it_ @everyone ${'x'.repeat(6000)}`,
    run_created_at: 'not a date',
    run_created_by: 'a'.repeat(300),
    workspace_id: 'ws-1',
    workspace_name: `my_workspace${'w'.repeat(300)}`,
    organization_name: 'acme-org',
    notifications: [
      {
        message: `Run Errored ${'m'.repeat(2000)}`,
        trigger: `run:errored${'t'.repeat(200)}`,
        run_status: 'errored',
        run_updated_at: null,
        run_updated_by: null,
      },
    ],
  }),
};

const repeatTo = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length));

/** Hostile payloads for the services' validators: too long for a golden file. */
export const HOSTILE_SAMPLES: PresetSample[] = [
  STRESS_SAMPLE,
  // 70 KB of run message: over GitHub's 64 KB on its own.
  {
    name: 'hostile-long-run-message',
    body: json({ ...runWith(() => 'x'), run_message: 'm'.repeat(70_000) }),
  },
  // Emoji are 2 UTF-16 units for 1 code point: cut by code points, these overflow Discord.
  { name: 'hostile-long-emoji', body: json(runWith(() => repeatTo('🚀', 20_000))) },
  { name: 'hostile-long-wide-text', body: json(runWith(() => repeatTo(WIDE_TEXT, 30_000))) },
  { name: 'hostile-long-markup', body: json(runWith(() => repeatTo(MARKUP, 30_000))) },
  // JSON escapes control characters as \u0000: 6 bytes for each.
  { name: 'hostile-control-characters', body: json(runWith(() => repeatTo('\u0001\u001f"\\', 20_000))) },
  // One letter under 10,000 combining marks: a single grapheme longer than any limit.
  { name: 'hostile-combining-marks', body: json(runWith(() => `a${'\u0301'.repeat(10_000)}`)) },
  {
    name: 'hostile-roll-up-of-3-long',
    body: json({
      ...runWith(() => 'y'),
      notifications: [1, 2, 3].map((n) =>
        rollUpEntry(repeatTo(`${MARKUP} `, 3000 * n), 'run:errored', 'errored', `2024-03-0${n}T00:00:00Z`),
      ),
    }),
  },
  {
    name: 'hostile-payload-version-string',
    body: json({ ...runWith(() => 'z'), payload_version: '2', extra: { nested: [repeatTo('n', 80_000)] } }),
  },
  {
    name: 'hostile-hcp-event',
    body: json({
      event_id: repeatTo(MARKUP, 5000),
      event_action: repeatTo(MARKUP, 5000),
      event_description: repeatTo(MARKUP, 5000),
      event_source: `hashicorp.${MARKUP}.x`,
      resource_name: repeatTo(WIDE_TEXT, 5000),
      event_payload: { name: repeatTo(MARKUP, 70_000), app_name: MARKUP, organization_id: MARKUP },
    }),
  },
  {
    name: 'hostile-change-request',
    body: json({
      payload_version: 1,
      change_request_url: `https://app.terraform.io/app/acme-org/workspaces/w/change-requests/${'c'.repeat(300)}`,
      change_request_subject: repeatTo(MARKUP, 5000),
      change_request_message: repeatTo(MARKUP, 80_000),
      change_request_created_at: '2024-06-11T09:12:44.000Z',
      change_request_created_by: MARKUP,
      workspace_id: 'ws-1',
      workspace_name: repeatTo('w', 400),
      organization_name: repeatTo('o', 400),
    }),
  },
];

/** Fixtures and synthetic samples: the golden set. */
export const presetSamples = (): PresetSample[] => [
  ...fixtureNames().map((name) => ({ name, body: fixture(name) })),
  ...SYNTHETIC,
];
