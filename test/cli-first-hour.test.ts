// The real `tfe-bridge` binary on the mistakes of a first hour (issue 15): each says what is wrong
// and what to do, with exit 2 for usage and config mistakes, and the secrets a config names are
// checked before any webhook arrives (serve, validate --secrets, validate --aws).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { VERSION } from '../lambda/version';
import { type CliProcess, runCli, startCli } from './support/cli-process';
import { startSecretsManager } from './support/secrets-manager-server';

const children: CliProcess[] = [];
afterEach(() => {
  for (const cli of children.splice(0)) cli.child.kill('SIGKILL');
});

const dir = () => mkdtempSync(join(tmpdir(), 'tfe-bridge-first-hour-'));

/** A config of one route, its signing secret `hmac`, and two destinations with secrets. */
function writeFiles(secrets: Record<string, unknown> | undefined, destination: Record<string, unknown> = {}) {
  const d = dir();
  const config = join(d, 'bridge.yaml');
  writeFileSync(
    config,
    stringify({
      routes: [
        {
          id: 'runs',
          signingSecret: { secretId: 'hmac' },
          destinations: [
            {
              id: 'api',
              url: 'https://api.example.com/hook',
              auth: { type: 'bearer', secret: { secretId: 'api-token' } },
              ...destination,
            },
            { id: 'chat', url: { secret: { secretId: 'chat-url' } }, template: { preset: 'slack' } },
          ],
        },
      ],
    }),
  );
  const secretsFile = join(d, 'secrets.json');
  if (secrets) writeFileSync(secretsFile, JSON.stringify(secrets));
  return { dir: d, config, secrets: secretsFile };
}

const problemsOf = (stderr: string) => stderr.trimEnd().split('\n');

describe('--version', () => {
  it.each([[['--version']], [['serve', '--version']], [['init', '--version']]])(
    '%j prints the package version',
    async (args) => {
      const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'));
      expect(VERSION).toBe(pkg.version);
      const result = await runCli(args);
      expect(result).toMatchObject({ code: 0, stdout: `tfe-bridge ${pkg.version}\n`, stderr: '' });
    },
  );
});

describe('did you mean', () => {
  it.each([
    [
      ['server'],
      'tfe-bridge: unknown command "server" (did you mean "serve"?); run tfe-bridge --help for the commands',
    ],
    [
      ['validate', '--conifg', 'x.yaml'],
      'tfe-bridge: unknown option --conifg (did you mean --config?); run with --help for the options',
    ],
    [
      ['dead-letters', 'lsit'],
      'tfe-bridge: dead-letters has no action "lsit" (did you mean "list"?): use list or replay',
    ],
  ])('%j exits 2 naming the near name', async (args, message) => {
    const result = await runCli(args);
    expect(result.stderr).toBe(`${message}\n`);
    expect(result.code).toBe(2);
  });

  it('names the config key a misspelt one most likely is', async () => {
    const files = writeFiles(undefined, { tempalte: { preset: 'slack' } });
    const result = await runCli(['validate', '--config', files.config]);
    expect(problemsOf(result.stderr)).toEqual([
      'tfe-bridge: invalid config:',
      '  routes[0].destinations[0]: unknown key "tempalte" (did you mean "template"?)',
    ]);
    expect(result.code).toBe(2);
  });
});

describe('config and file mistakes', () => {
  it.each([
    [
      'an empty file',
      '',
      'config is empty (nothing but comments or blank lines): it needs at least routes (see tfe-bridge init)',
    ],
    [
      'comments only',
      '# routes: later\n',
      'config is empty (nothing but comments or blank lines): it needs at least routes (see tfe-bridge init)',
    ],
    ['a YAML mistake', 'routes:\n  - id: a\n\tsigningSecret: x\n', 'not valid YAML/JSON'],
  ])('%s is a config error with the file name, exit 2', async (_case, text, message) => {
    const file = join(dir(), 'bridge.yaml');
    writeFileSync(file, text);
    const result = await runCli(['validate', '--config', file]);
    expect(result.stderr).toContain(`  ${file}`);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain('Cannot read properties');
    expect(result.code).toBe(2);
  });

  it('shows a YAML mistake with its line, column and the lines around it', async () => {
    const file = join(dir(), 'bridge.yaml');
    writeFileSync(file, 'routes:\n  - id: a\n  - id: b\nroutes: []\n');
    const result = await runCli(['validate', '--config', file]);
    expect(problemsOf(result.stderr)).toEqual([
      'tfe-bridge: invalid config:',
      `  ${file}:4:1: not valid YAML/JSON: Map keys must be unique`,
      '      - id: b',
      '    routes: []',
      '    ^',
    ]);
  });

  it('says a missing file once, in words', async () => {
    const result = await runCli(['validate', '--config', '/no/such/bridge.yaml']);
    expect(result.stderr).toBe(
      'tfe-bridge: invalid config:\n  /no/such/bridge.yaml: cannot read config file: no such file (ENOENT)\n',
    );
    expect(result.code).toBe(2);
  });

  it('calls a broken secrets file a secrets file problem, not an invalid config', async () => {
    const files = writeFiles(undefined);
    writeFileSync(files.secrets, '{"hmac": "x",');
    const result = await runCli(['validate', '--config', files.config, '--secrets', files.secrets]);
    expect(result.stderr).toBe(
      `tfe-bridge: invalid secrets file:\n  ${files.secrets}: not valid JSON (at character 13)\n`,
    );
    expect(result.code).toBe(2);
  });

  it('refuses a static Authorization header, pointing to auth', async () => {
    const files = writeFiles(undefined, { auth: undefined, headers: { Authorization: 'Bearer abc' } });
    const result = await runCli(['validate', '--config', files.config]);
    expect(result.stderr).toContain(
      '  routes[0].destinations[0].headers.Authorization: is a credential written in the config: configure it as auth',
    );
    expect(result.code).toBe(2);
  });
});

describe('secrets checked before a webhook arrives', () => {
  it('serve exits 2 on an unusable signing secret, naming each, before listening', async () => {
    const files = writeFiles(undefined);
    const without = await runCli([
      'serve',
      '--config',
      files.config,
      '--port',
      '0',
      '--store',
      join(files.dir, 'db'),
    ]);
    expect(without.stderr).toBe(
      'tfe-bridge: not starting: a route without a usable signing secret would refuse every webhook:\n' +
        '  routes[0].signingSecret: secret "hmac" not found (no secrets file given: use --secrets FILE)\n',
    );
    expect(without.stdout).toBe('');
    expect(without.code).toBe(2);

    writeFileSync(files.secrets, JSON.stringify({ hmac: 'REPLACE_ME' }));
    const placeholder = await runCli([
      'serve',
      '--config',
      files.config,
      '--secrets',
      files.secrets,
      '--port',
      '0',
    ]);
    expect(placeholder.stderr).toContain(
      `(secrets read from ${files.secrets}):\n  routes[0].signingSecret: secret "hmac" still holds the placeholder REPLACE_ME\n`,
    );
    expect(placeholder.code).toBe(2);
  });

  it('serve warns for each unusable destination secret, with its field, and serves', async () => {
    const files = writeFiles({
      hmac: 'signing-token-0123456789',
      'chat-url': 'http://user:pw@chat.example.com/x',
    });
    const bridge = startCli([
      'serve',
      '--config',
      files.config,
      '--secrets',
      files.secrets,
      '--port',
      '0',
      '--store',
      join(files.dir, 'db'),
    ]);
    children.push(bridge);
    await bridge.waitForOutput(/"message":"listening"/);
    const warnings = bridge
      .output()
      .split('\n')
      .filter((line) => line.includes('destination secret unusable'))
      .map((line) => JSON.parse(line).field);
    expect(warnings).toEqual([
      'routes[0].destinations[0].auth.secret',
      'routes[0].destinations[1].url.secret',
    ]);
    expect(bridge.output()).not.toContain('user:pw');
  });

  it('validate --aws checks every named secret with DescribeSecret, reads no value, and lists each problem', async () => {
    const sm = await startSecretsManager();
    try {
      sm.setSecret('hmac', 'signing-token');
      sm.createEmptySecret('api-token');
      sm.setSecret('chat-url', 'https://hooks.example.com/x');
      sm.scheduleDeletion('chat-url');
      const files = writeFiles(undefined);
      const env = {
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        AWS_CONFIG_FILE: join(files.dir, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(files.dir, 'none'),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const bad = await runCli(['validate', '--config', files.config, '--aws'], env);
      expect(problemsOf(bad.stderr)).toEqual([
        'tfe-bridge: invalid config:',
        '  routes[0].destinations[0].auth.secret: secret "api-token" has no value yet (no AWSCURRENT version): aws secretsmanager put-secret-value',
        '  routes[0].destinations[1].url.secret: secret "chat-url" is scheduled for deletion: restore it (aws secretsmanager restore-secret)',
      ]);
      expect(bad.code).toBe(2);

      sm.setSecret('api-token', 'token');
      sm.setSecret('chat-url', 'https://hooks.example.com/x');
      sm.deleteSecret('hmac');
      const missing = await runCli(['validate', '--config', files.config, '--aws'], env);
      expect(problemsOf(missing.stderr)).toEqual([
        'tfe-bridge: invalid config:',
        '  routes[0].signingSecret: secret "hmac" not found in Secrets Manager (eu-west-1)',
      ]);

      sm.setSecret('hmac', 'signing-token');
      const good = await runCli(['validate', '--config', files.config, '--aws'], env);
      expect(good.stdout).toContain(
        'secrets: all 3 secrets the config names exist in Secrets Manager (eu-west-1) with a value (not read: jsonKey and content unchecked)\n',
      );
      expect(good.code).toBe(0);
      expect(new Set(sm.log.map((request) => request.target))).toEqual(
        new Set(['secretsmanager.DescribeSecret']),
      );
    } finally {
      await sm.close();
    }
  });
});

describe('render without a secrets file', () => {
  it('prints the request with each secret as <secret NAME>', async () => {
    const files = writeFiles(undefined);
    const result = await runCli([
      'render',
      '--config',
      files.config,
      '--destination',
      'runs/chat',
      '--fixture',
      'tfe-run-errored',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^POST <secret chat-url>\n/);
    expect(result.stderr).toBe(
      'note: no secrets file (--secrets FILE or TFE_BRIDGE_SECRETS): secrets are shown as <secret ID>\n',
    );
    const api = await runCli([
      'render',
      '--config',
      files.config,
      '--destination',
      'runs/api',
      '--fixture',
      'tfe-run-errored',
    ]);
    expect(api.stdout).toContain('\nauthorization: Bearer <secret api-token>\n');
  });
});

describe('a busy port', () => {
  it('says which port is in use and how to pick another', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      const files = writeFiles({
        hmac: 'signing-token-0123456789',
        'api-token': 't',
        'chat-url': 'https://hooks.example.com/x',
      });
      const result = await runCli([
        'serve',
        '--config',
        files.config,
        '--secrets',
        files.secrets,
        '--port',
        String(port),
        '--store',
        join(files.dir, 'db'),
      ]);
      expect(result.stderr).toBe(
        `tfe-bridge: port ${port} is already in use (127.0.0.1:${port}): stop what is listening there (another tfe-bridge?), or pick another port with --port N or PORT=N (0 picks a free one)\n`,
      );
      expect(result.code).toBe(1);
    } finally {
      holder.close();
    }
  });
});
