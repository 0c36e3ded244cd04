// `validate`, `render` and `send-test --destination` for AWS-native destinations, with the real
// binary in a child process and the EventBridge protocol fake (which checks every signature).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { TEST_CREDENTIALS } from './support/aws-fake-http';
import { runCli, startCli } from './support/cli-process';
import { type EventBridgeFake, startEventBridgeFake } from './support/eventbridge-fake';
import { fixture } from './support/fixtures';

let events: EventBridgeFake;
beforeEach(async () => {
  events = await startEventBridgeFake();
});
afterEach(() => events.close());

const awsEnv = (extra: Record<string, string> = {}) => ({
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  ...extra,
});

function writeConfig(destinations: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-cli-aws-'));
  const path = join(dir, 'bridge.yaml');
  writeFileSync(
    path,
    stringify({ routes: [{ id: 'runs', signingSecret: { secretId: 'hmac' }, destinations }] }),
  );
  return path;
}

const BUS = { id: 'bus', eventbridge: { busName: 'default', detailType: 'Terraform' } };

describe('AWS-native destinations in the CLI', () => {
  it('validate names each field an AWS target cannot take, exit 2', async () => {
    const config = writeConfig([
      { ...BUS, auth: { type: 'bearer', secret: { secretId: 't' } } },
      { id: 'queue', sqs: { queueUrl: 'https://example.com/queue' } },
    ]);
    const result = await runCli(['validate', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "routes[0].destinations[0].auth: is not used by an eventbridge destination: its calls are signed with the worker's AWS credentials (remove auth)",
    );
    expect(result.stderr).toContain(
      'routes[0].destinations[1].sqs.queueUrl: must be an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)',
    );
  });

  it('validate refuses a template that cannot be an event detail, before any notification', async () => {
    const config = writeConfig([{ ...BUS, template: { jsonata: '$event.summary' } }]);
    const result = await runCli(['validate', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'routes[0].destinations[0].template: eventbridge: the template must render a JSON object (it becomes the event detail) (on 15 fixtures:',
    );
  });

  it('render prints the PutEvents call as sent, the signature as a placeholder', async () => {
    const config = writeConfig([BUS]);
    const args = ['render', '--config', config, '--destination', 'runs/bus', '--fixture', 'tfe-run-errored'];
    const result = await runCli([...args, '--json'], { AWS_REGION: 'eu-central-1' });
    expect(result.code).toBe(0);
    const request = JSON.parse(result.stdout);
    expect(request.url).toBe('https://events.eu-central-1.amazonaws.com/');
    expect(request.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 <signed when sent/);
    expect(JSON.parse(request.body).Entries[0]).toEqual({
      EventBusName: 'default',
      Source: 'tfe-bridge',
      DetailType: 'Terraform',
      Detail: fixture('tfe-run-errored'),
    });
    const noRegion = await runCli(args);
    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain('events: no region: name it in the config');
  });

  it('serve warns at start for a target whose region it cannot know, and serves', async () => {
    const config = writeConfig([
      BUS,
      { id: 'queue', sqs: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/q' } },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-cli-aws-'));
    const secrets = join(dir, 'secrets.json');
    writeFileSync(secrets, JSON.stringify({ hmac: 'signing-token-0123456789' }));
    const args = [
      'serve',
      '--config',
      config,
      '--secrets',
      secrets,
      '--port',
      '0',
      '--store',
      join(dir, 'db'),
    ];
    const bridge = startCli(args, awsEnv());
    try {
      await bridge.waitForOutput(/"message":"listening"/);
      const warnings = bridge
        .output()
        .split('\n')
        .filter((line) => line.includes('AWS target unusable'))
        .map((line) => JSON.parse(line));
      // The queue's region is in its URL; the bus is named without one.
      expect(warnings).toMatchObject([
        {
          field: 'routes[0].destinations[0].eventbridge',
          problem: expect.stringContaining('events: no region'),
        },
      ]);
    } finally {
      bridge.child.kill('SIGINT');
      await bridge.done;
    }
  });

  it('send-test delivers one event, signed with the credential chain, no secrets file needed', async () => {
    const config = writeConfig([BUS]);
    const env = awsEnv({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint });
    const args = [
      'send-test',
      '--config',
      config,
      '--destination',
      'runs/bus',
      '--fixture',
      'tfe-run-errored',
    ];
    const sent = await runCli(args, env);
    expect(sent.stdout).toBe('delivered to runs/bus (HTTP 200)\n');
    expect(sent.code).toBe(0);
    expect(events.events).toMatchObject([
      { detailType: 'Terraform', detailText: fixture('tfe-run-errored') },
    ]);

    events.failEntries(1, { code: 'AccessDeniedException', message: 'not authorized to put events' });
    const refused = await runCli(args, env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe(
      'not delivered to runs/bus: permanent: EventBridge refused the event: AccessDeniedException: not authorized to put events\n',
    );
    expect(sent.stderr + refused.stderr).not.toContain(TEST_CREDENTIALS.secretAccessKey);
  });
});
