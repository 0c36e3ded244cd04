// `tfe-bridge init` with the real binary: from options (stdin not a terminal), and answering its
// questions through a real pseudo-terminal (util-linux `script`); what it writes validates, serves
// and delivers with the send-test command it prints.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BIN, type CliProcess, runCli, startCli } from './support/cli-process';
import { startDestination } from './support/destination-server';

const children: CliProcess[] = [];
afterEach(() => {
  for (const cli of children.splice(0)) cli.child.kill('SIGKILL');
});

function paths() {
  const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-init-'));
  return { dir, config: join(dir, 'bridge.config.yaml'), secrets: join(dir, 'secrets.local.json') };
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('tfe-bridge init, from options', () => {
  it.each([
    [['--destination', 'slack'], 'url.secret', 'tfe-bridge/terraform-slack-webhook-url'],
    [['--destination', 'teams'], 'url.secret', 'tfe-bridge/terraform-teams-webhook-url'],
    [['--destination', 'discord'], 'url.secret', 'tfe-bridge/terraform-discord-webhook-url'],
    [['--destination', 'pagerduty'], 'secrets.routingKey', 'tfe-bridge/terraform-pagerduty'],
    [['--destination', 'github', '--repo', 'acme/infra'], 'auth.secret', 'tfe-bridge/terraform-github-token'],
    [
      ['--destination', 'api', '--url', 'https://api.example.com/tf'],
      'auth.secret',
      'tfe-bridge/terraform-api-token',
    ],
  ])(
    '%j writes a config that validates but for the one REPLACE_ME to fill in',
    async (args, field, secretId) => {
      const p = paths();
      const init = await runCli(['init', ...args, '--config', p.config, '--secrets', p.secrets]);
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(`wrote ${p.config} (route "terraform" → `);
      expect(statSync(p.secrets).mode & 0o777).toBe(0o600);
      const secrets = readJson(p.secrets);
      expect(secrets['tfe-bridge/terraform-hmac']).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const validate = await runCli(['validate', '--config', p.config, '--secrets', p.secrets]);
      expect(validate.code).toBe(2);
      expect(validate.stderr).toBe(
        `tfe-bridge: invalid config:\n  routes[0].destinations[0].${field}: secret "${secretId}" still holds the placeholder REPLACE_ME\n`,
      );
    },
  );

  it('prints the next three commands and a Terraform notification configuration, never the token', async () => {
    const p = paths();
    const init = await runCli([
      'init',
      '--route',
      'prod-runs',
      '--destination',
      'slack',
      '--config',
      p.config,
      '--secrets',
      p.secrets,
    ]);
    expect(init.code).toBe(0);
    const token = readJson(p.secrets)['tfe-bridge/prod-runs-hmac'] as string;
    expect(init.stdout).not.toContain(token);
    expect(init.stdout).toContain(
      `1. run the bridge:\n   npx tfe-bridge serve --config ${p.config} --secrets ${p.secrets}\n`,
    );
    expect(init.stdout).toContain(
      `   npx tfe-bridge send-test --url http://127.0.0.1:8787/hooks/prod-runs --fixture tfe-run-errored --token "$(node -p 'require(${JSON.stringify(p.secrets)})["tfe-bridge/prod-runs-hmac"]')"\n`,
    );
    expect(init.stdout).toContain('resource "tfe_notification_configuration" "tfe_bridge_prod_runs" {');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform interpolation, printed as is
    expect(init.stdout).toContain('  url              = "${var.tfe_bridge_url}/hooks/prod-runs"\n');
    expect(init.stdout).toContain('  token            = var.tfe_bridge_token\n');
  });

  it('delivers end to end: the filled-in files serve, and the printed send-test reaches the destination', async () => {
    const p = paths();
    const init = await runCli([
      'init',
      '--destination',
      'slack',
      '--config',
      p.config,
      '--secrets',
      p.secrets,
    ]);
    expect(init.code).toBe(0);
    // What the person does next: the webhook URL in place of REPLACE_ME (here a local destination,
    // so plain http is allowed for the test).
    const slack = await startDestination();
    const secrets = readJson(p.secrets);
    writeFileSync(
      p.secrets,
      JSON.stringify({
        ...secrets,
        'tfe-bridge/terraform-slack-webhook-url': `${slack.url}/services/T0/B0/x`,
      }),
    );
    const config = parse(readFileSync(p.config, 'utf8'));
    config.routes[0].allowInsecureHttp = true;
    writeFileSync(p.config, stringify(config));

    const serveLine = /npx tfe-bridge (serve .*)\n/.exec(init.stdout)?.[1] ?? '';
    const bridge = startCli(
      [...serveLine.split(' '), '--port', '0', '--store', join(p.dir, 'bridge.db')],
      {},
    );
    children.push(bridge);
    const [, url] = await bridge.waitForOutput(/"message":"listening","url":"([^"]+)"/);
    // The printed command itself, through a shell (it reads the token with node -p).
    const sendTest = (/npx tfe-bridge (send-test .*)\n/.exec(init.stdout)?.[1] ?? '').replace(
      'http://127.0.0.1:8787',
      url ?? '',
    );
    const sent = await promisify(execFile)('sh', ['-c', `node ${BIN} ${sendTest}`]);
    expect(sent.stdout).toMatch(/^HTTP 202 Accepted\n/);
    const [received] = await slack.waitFor(1);
    expect(JSON.parse(received?.body ?? '{}').text).toMatch(/^:red_circle: /);
    await slack.close();
  });

  it('refuses to overwrite either file without --force, and writes nothing', async () => {
    const p = paths();
    writeFileSync(p.secrets, '{"mine": "keep me"}');
    const refused = await runCli([
      'init',
      '--destination',
      'slack',
      '--config',
      p.config,
      '--secrets',
      p.secrets,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `tfe-bridge: init: ${p.secrets} already exists: nothing written (--force to overwrite, or --config/--secrets for other files)\n`,
    );
    expect(readFileSync(p.secrets, 'utf8')).toBe('{"mine": "keep me"}');
    expect(() => statSync(p.config)).toThrow();

    const forced = await runCli([
      'init',
      '--destination',
      'slack',
      '--force',
      '--config',
      p.config,
      '--secrets',
      p.secrets,
    ]);
    expect(forced.code).toBe(0);
    expect(readJson(p.secrets)).not.toHaveProperty('mine');
  });

  it.each([
    [[], 'tfe-bridge: init needs --destination when stdin is not a terminal (see tfe-bridge init --help)'],
    [
      ['--destination', 'slak'],
      'tfe-bridge: --destination: no destination kind "slak" (did you mean "slack"?): one of slack, teams, discord, pagerduty, github, api',
    ],
    [
      ['--destination', 'github'],
      'tfe-bridge: init needs --repo when stdin is not a terminal (see tfe-bridge init --help)',
    ],
    [
      ['--destination', 'api', '--url', 'http://api.example.com'],
      `tfe-bridge: --url: the API's URL must be https://..., got "http://api.example.com"`,
    ],
    [
      ['--destination', 'slack', '--route', 'a/b'],
      'tfe-bridge: --route: a route name is 1-64 letters, digits, ".", "_", "-"',
    ],
  ])('exits 2 without asking when stdin is not a terminal: %j', async (args, message) => {
    const p = paths();
    const result = await runCli(['init', ...args, '--config', p.config, '--secrets', p.secrets]);
    expect(result.stderr).toBe(`${message}\n`);
    expect(result.code).toBe(2);
    expect(() => statSync(p.config)).toThrow();
  });
});

/** Runs init in a pseudo-terminal (util-linux `script`), typing each answer once its question shows. */
function initInTerminal(args: string[], answers: Array<[RegExp, string]>) {
  const command = [process.execPath, BIN, 'init', ...args].map((word) => `'${word}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const pending = [...answers];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
    const next = pending[0];
    if (next?.[0].test(output)) {
      pending.shift();
      child.stdin.write(`${next[1]}\r`);
    }
  });
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
}

describe('tfe-bridge init, at a terminal', () => {
  it('asks for the route and the destination, asks again after a wrong answer, and writes both files', async () => {
    const p = paths();
    const result = await initInTerminal(
      ['--config', p.config, '--secrets', p.secrets],
      [
        [/Route name \(the webhook URL ends in \/hooks\/NAME\) \[terraform\]: $/, ''],
        [/Destination \(slack, teams, discord, pagerduty, github, api\): $/, 'gihtub'],
        [/did you mean "github"\?\): one of .*\r?\nDestination \(.*\): $/, 'github'],
        [/GitHub repository \(OWNER\/NAME\): $/, 'acme/infra'],
      ],
    );
    expect(result.output).toContain('  pagerduty  PagerDuty Events API v2');
    expect(result.output).toContain('  no destination kind "gihtub" (did you mean "github"?)');
    expect(result.code).toBe(0);
    const config = parse(readFileSync(p.config, 'utf8'));
    expect(config.routes[0]).toMatchObject({
      id: 'terraform',
      destinations: [{ id: 'github', url: 'https://api.github.com/repos/acme/infra/dispatches' }],
    });
    expect(readJson(p.secrets)).toHaveProperty('tfe-bridge/terraform-github-token', 'REPLACE_ME');
  });

  it('asks nothing that an option already says', async () => {
    const p = paths();
    const result = await initInTerminal(
      ['--route', 'r', '--destination', 'discord', '--config', p.config, '--secrets', p.secrets],
      [],
    );
    expect(result.code).toBe(0);
    expect(result.output).not.toContain('Route name');
    expect(result.output).toContain('wrote');
  });
});
