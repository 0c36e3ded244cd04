// Loading the config for deployment: validation with field paths (synth fails on a bad config),
// `{ file }` templates inlined, the config path's sources, and the config.json staged beside the code.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBridgeApp } from '../../infra/bridge-app';
import { loadDeployConfig, resolveConfigPath } from '../../infra/deploy-config';
import { stageLambdaCode } from '../../infra/lambda-asset';
import type { BridgeConfig } from '../../lambda/core/config/schema';
import { ConfigError } from '../../lambda/core/errors';
import { EXAMPLE_CONFIG, removeTempDirs, tempDir, writeConfig } from './cdk-testing';

afterAll(removeTempDirs);

const INVALID = `
routes:
  - id: "bad id!"
    destinations:
      - id: api
        url: http://api.example.com/hook
        auth: { type: bearer }
`;

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDeployConfig', () => {
  it('loads and validates the example config, applying defaults', () => {
    const config = loadDeployConfig(EXAMPLE_CONFIG);
    expect(config.routes.map((r) => r.id)).toEqual([
      'demo',
      'prod-runs',
      'workspace-events',
      'team-change-requests',
      'hcp-project',
    ]);
    expect(config.routes[1]?.destinations[0]?.retry.maxAttempts).toBe(6);
  });

  it('rejects an invalid config with one line per bad field, naming its path', () => {
    const error = configErrorOf(() => loadDeployConfig(writeConfig(INVALID)));
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^routes\[0\]\.id: /),
        expect.stringMatching(/^routes\[0\]\.signingSecret: is required/),
        expect.stringMatching(/^routes\[0\]\.destinations\[0\]\.url: must be https/),
        expect.stringMatching(/^routes\[0\]\.destinations\[0\]\.auth\.secret: is required/),
      ]),
    );
    expect(error.message).toContain('routes[0].destinations[0].url');
  });

  it('fails the synth path (createBridgeApp) on an invalid config before creating any stack', () => {
    const error = configErrorOf(() =>
      createBridgeApp({ outdir: tempDir('cdk-out'), env: { TFE_BRIDGE_CONFIG: writeConfig(INVALID) } }),
    );
    expect(error.message).toMatch(/routes\[0\]\.signingSecret: is required/);
  });

  it('reports a missing config file as a ConfigError', () => {
    const error = configErrorOf(() => loadDeployConfig(join(tempDir('missing'), 'nope.yaml')));
    expect(error.message).toMatch(/nope\.yaml: cannot read config file: no such file \(ENOENT\)$/);
  });

  it('inlines a `{ file }` template, read relative to the config, as `{ jsonata }`', () => {
    const expression = '{ "text": "run " & $triggers[0] }';
    const path = writeConfig(
      `
routes:
  - id: hooks
    allowUnsigned: true
    destinations:
      - id: chat
        url: https://chat.example.com/hook
        template: { file: card.jsonata }
`,
      { 'card.jsonata': expression },
    );
    const config = loadDeployConfig(path);
    expect(config.routes[0]?.destinations[0]?.template).toEqual({ jsonata: expression });
    // What the Lambdas receive is self-contained: the expression itself, no file name.
    const staged = stagedConfigText(config);
    expect(JSON.parse(staged).config.routes[0].destinations[0].template).toEqual({ jsonata: expression });
    expect(staged).not.toContain('card.jsonata');
  });

  it('rejects a `{ file }` template that does not compile, naming the field', () => {
    const path = writeConfig(
      `
routes:
  - id: hooks
    allowUnsigned: true
    destinations:
      - id: chat
        url: https://chat.example.com/hook
        template: { file: broken.jsonata }
`,
      { 'broken.jsonata': '{ "text": ' },
    );
    const error = configErrorOf(() => loadDeployConfig(path));
    expect(error.message).toMatch(/routes\[0\]\.destinations\[0\]\.template\.file: /);
  });
});

describe('resolveConfigPath', () => {
  it('prefers TFE_BRIDGE_CONFIG over context, since cdk.json always sets a context default', () => {
    expect(resolveConfigPath('from-context.yaml', { TFE_BRIDGE_CONFIG: 'from-env.yaml' })).toBe(
      'from-env.yaml',
    );
    expect(resolveConfigPath('from-context.yaml', {})).toBe('from-context.yaml');
  });

  it('fails with the two ways to name a config when neither is set', () => {
    expect(() => resolveConfigPath(undefined, {})).toThrow(
      /-c tfe-bridge:config=FILE or set TFE_BRIDGE_CONFIG/,
    );
  });
});

/** The config.json synth stages beside a function's code (bundling skipped). */
function stagedConfigText(config: BridgeConfig): string {
  const dir = join(tempDir('staged'), 'receiver');
  stageLambdaCode(dir, 'receiver', config, { build: false });
  return readFileSync(join(dir, 'config.json'), 'utf8');
}

describe('the staged config.json', () => {
  it('holds the baked config whatever its size (the esbuild define it replaces was capped at 120 KiB)', () => {
    const config = loadDeployConfig(EXAMPLE_CONFIG);
    const huge = {
      ...config,
      routes: config.routes.map((route) => ({
        ...route,
        destinations: route.destinations.map((d) => ({
          ...d,
          template: { jsonata: `"${'x'.repeat(130_000)}"` },
        })),
      })),
    };
    expect(JSON.parse(stagedConfigText(huge))).toEqual({ format: 'tfe-bridge-config/1', config: huge });
    expect(JSON.parse(stagedConfigText(config))).toEqual({ format: 'tfe-bridge-config/1', config });
  });
});

describe('infra/app.ts', () => {
  it('exits 1 with the field paths, and no stack trace, when the config is invalid', () => {
    const root = join(import.meta.dirname, '..', '..');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TFE_BRIDGE_CONFIG: writeConfig(INVALID), CDK_OUTDIR: tempDir('cdk-out') },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('tfe-bridge: invalid config:');
    expect(result.stderr).toContain('routes[0].destinations[0].url: must be https');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
