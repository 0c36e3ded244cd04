// Payloads every preset is rendered over: all bundled HashiCorp fixtures, plus synthetic ones
// for cases HashiCorp publishes no sample of (an unknown trigger, an unrecognized body, a run
// that needs attention) and a stress case for length limits and escaping.
import { fixture, fixtureNames } from './fixtures';

export interface PresetSample {
  name: string;
  body: string;
}

/** Fake but well-formed: PagerDuty routing keys are 32 characters. */
export const EXAMPLE_ROUTING_KEY = 'example-routing-key-000000000000';

const json = (value: unknown) => JSON.stringify(value);

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

/** Fixtures and synthetic samples: the golden set. */
export const presetSamples = (): PresetSample[] => [
  ...fixtureNames().map((name) => ({ name, body: fixture(name) })),
  ...SYNTHETIC,
];
