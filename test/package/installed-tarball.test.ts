// The package as a user gets it: `npm pack`, installed into an empty folder elsewhere, runs
// `tfe-bridge --version`, `validate` and `serve` from there with compiled JavaScript (no tsx, no
// TypeScript), its TfeBridge construct synthesizes in a fresh CDK app there with the prebuilt
// Lambda bundles (no esbuild), and the tarball holds no tests or sources.
import { execFile, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { invokeBundle } from '../infra/cdk-testing';
import { eventually } from '../support/local-bridge';
import { functionUrlEvent } from '../support/local-sqs';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-pack-'));
const app = join(dir, 'app');
const installed = join(app, 'node_modules', 'tfe-bridge');
let tarball = '';

/**
 * better-sqlite3's install script looks for a prebuilt binary before it downloads one or compiles
 * (minutes on this machine, and its download host is not reachable here): it is handed the binary
 * this checkout's own `npm ci` built, as an offline mirror would. TFE_BRIDGE_PACK_FROM_SOURCE=1
 * leaves it to compile.
 */
function localPrebuilds(): NodeJS.ProcessEnv {
  if (process.env.TFE_BRIDGE_PACK_FROM_SOURCE) return {};
  const sqlite = join(ROOT, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(sqlite, 'package.json'), 'utf8')) as { version: string };
  const staged = join(dir, 'prebuild');
  mkdirSync(join(staged, 'build', 'Release'), { recursive: true });
  copyFileSync(
    join(sqlite, 'build', 'Release', 'better_sqlite3.node'),
    join(staged, 'build', 'Release', 'better_sqlite3.node'),
  );
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(join(dir, 'prebuilds'));
  execFileSyncQuiet('tar', ['-czf', join(dir, 'prebuilds', name), '-C', staged, 'build']);
  return { npm_config_better_sqlite3_local_prebuilds: join(dir, 'prebuilds') };
}

function execFileSyncQuiet(file: string, args: string[]): void {
  const { status } = spawnSync(file, args, { stdio: 'ignore' });
  if (status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${status}`);
}

/** `tfe-bridge …` by name, as a user types it, from the folder it was installed into. */
function tfeBridge(args: string[]) {
  return spawn('tfe-bridge', args, {
    cwd: app,
    env: { PATH: `${join(app, 'node_modules', '.bin')}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function tfeBridgeDone(args: string[]) {
  const child = tfeBridge(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

beforeAll(async () => {
  // `prepare` builds dist/ on the way, as it does for `npm ci` and `npm publish`.
  const packed = await run('npm', ['pack', '--pack-destination', dir, '--json'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
  tarball = join(dir, info?.filename ?? '');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
  // Without the CDK peers: the app links this checkout's copies in (construct tests below), as a
  // CDK app has its own; npm would otherwise fetch them.
  await run(
    'npm',
    ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--legacy-peer-deps'],
    {
      cwd: app,
      env: { ...process.env, ...localPrebuilds() },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}, 900_000);

describe('the packed tarball', () => {
  it('holds the compiled CLI, fixtures and examples; no tests, TypeScript sources or dev entry', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/dist/tfe-bridge.js',
        'package/dist/cli.js',
        'package/fixtures/tfe-run-completed-captured.json',
        'package/examples/bridge.config.yaml',
        'package/dist/cdk.js',
        'package/dist/types/infra/cdk.d.ts',
        'package/dist/lambda/receiver/index.mjs',
        'package/dist/lambda/worker/index.mjs',
      ]),
    );
    // Type declarations (.d.ts) are the only TypeScript files: the construct's typed entry point.
    const sources = files.filter((file) => !file.endsWith('.d.ts'));
    expect(
      sources.filter((file) => /^package\/(test|lambda|infra|bench|bin|docs)\/|\.ts$/.test(file)),
    ).toEqual([]);
  });

  it('installs without tsx: the CLI runs as JavaScript', () => {
    expect(existsSync(join(installed, 'dist', 'tfe-bridge.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
  });
});

describe('tfe-bridge installed from the tarball, run from its folder', () => {
  it('--version prints the package version', async () => {
    expect(await tfeBridgeDone(['--version'])).toEqual({
      code: 0,
      stdout: `tfe-bridge ${VERSION}\n`,
      stderr: '',
    });
  });

  it('validate accepts the example config it ships with', async () => {
    const examples = join(installed, 'examples');
    const result = await tfeBridgeDone([
      ...['validate', '--config', join(examples, 'bridge.config.yaml')],
      ...['--secrets', join(examples, 'secrets.local.json')],
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^.*bridge\.config\.yaml: valid \(\d+ routes, \d+ destinations\)\n/);
    expect(result.stdout).toMatch(/templates: \d+ renders of bundled fixtures, none failed/);
  });

  it('serve answers /healthz, logs JSON lines to a pipe, and stops with exit 0 on SIGTERM', async () => {
    const examples = join(installed, 'examples');
    const child = tfeBridge([
      ...['serve', '--config', join(examples, 'bridge.config.yaml')],
      ...[
        '--secrets',
        join(examples, 'secrets.local.json'),
        '--port',
        '0',
        '--store',
        join(dir, 'bridge.db'),
      ],
    ]);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await eventually(() => /"message":"listening","url":"([^"]+)"/.exec(stdout)?.[1], 60_000);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      child.kill('SIGTERM');
      expect(await closed).toBe(0);
      expect(stdout.trim().split('\n').at(-1)).toMatch(
        /^\{"level":"info","time":"[^"]+","message":"stopped"\}$/,
      );
    } finally {
      child.kill('SIGKILL');
    }
  });
});

// A platform team's CDK app: its own stack, the construct from `tfe-bridge/cdk`, a plain config.
const CONSUMER_APP = `
import { App, Stack } from 'aws-cdk-lib';
import { TfeBridge } from 'tfe-bridge/cdk';
const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
const stack = new Stack(app, 'Platform');
new TfeBridge(stack, 'Bridge', {
  config: {
    routes: [{ id: 'runs', signingSecret: { secretId: 'platform/hmac' },
      destinations: [{ id: 'api', url: 'https://api.example/hooks' }] }],
  },
  tags: { team: 'platform' },
});
app.synth();
`;

describe('the TfeBridge construct installed from the tarball, in a fresh CDK app', () => {
  type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> };
  let resources: Record<string, Resource> = {};
  const cdkOut = join(dir, 'cdk.out');

  beforeAll(async () => {
    // The app's own aws-cdk-lib and constructs (offline: this checkout's copies).
    for (const peer of ['aws-cdk-lib', 'constructs']) {
      symlinkSync(join(ROOT, 'node_modules', peer), join(app, 'node_modules', peer), 'dir');
    }
    writeFileSync(join(app, 'app.mjs'), CONSUMER_APP);
    await run(process.execPath, ['app.mjs'], {
      cwd: app,
      env: { PATH: process.env.PATH, CDK_OUTDIR: cdkOut },
    });
    const template = JSON.parse(readFileSync(join(cdkOut, 'Platform.template.json'), 'utf8'));
    resources = template.Resources;
  }, 300_000);

  const ofType = (type: string) => Object.values(resources).filter((r) => r.Type === type);

  it('needs neither esbuild nor tsx: the package depends on neither, and the app has neither', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).not.toContain('esbuild');
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
    expect(existsSync(join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
  });

  it("synthesizes the bridge's resources into the app's own stack", () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(2);
    expect(ofType('AWS::SQS::Queue')).toHaveLength(2);
    expect(ofType('AWS::Lambda::Url')).toHaveLength(1);
    expect(ofType('AWS::CloudFormation::Stack')).toHaveLength(0);
    expect(ofType('AWS::SQS::Queue')[0]?.Properties.Tags).toContainEqual({ Key: 'team', Value: 'platform' });
  });

  it("stages each function's prebuilt bundle with config.json beside it, and the receiver runs from there", () => {
    const functions = ofType('AWS::Lambda::Function');
    for (const fn of functions) {
      const asset = join(cdkOut, fn.Metadata?.['aws:asset:path'] ?? 'missing');
      const entry = String(fn.Properties.Description).includes('receiver') ? 'receiver' : 'worker';
      // The very bundle the package ships, not one built again.
      expect(
        readFileSync(join(asset, 'index.mjs')).equals(
          readFileSync(join(installed, 'dist', 'lambda', entry, 'index.mjs')),
        ),
      ).toBe(true);
      const baked = JSON.parse(readFileSync(join(asset, 'config.json'), 'utf8'));
      expect(baked.format).toBe('tfe-bridge-config/1');
      expect(baked.config.routes.map((route: { id: string }) => route.id)).toEqual(['runs']);
    }
    const receiver = functions.find((fn) => String(fn.Properties.Description).includes('receiver'));
    const code = join(cdkOut, receiver?.Metadata?.['aws:asset:path'] ?? 'missing', 'index.mjs');
    // An unknown route is answered from config.json alone: no secret, no queue, no network.
    const response = invokeBundle(code, functionUrlEvent({ path: '/hooks/no-such-route', body: '{}' }), {
      QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs.fifo',
    }) as { statusCode: number };
    expect(response.statusCode).toBe(404);
  });

  it('is typed for a TypeScript app on nodenext resolution, as `cdk init` sets one up', async () => {
    writeFileSync(
      join(app, 'typed.ts'),
      `import { App, Stack } from 'aws-cdk-lib';
import { TfeBridge } from 'tfe-bridge/cdk';
const stack = new Stack(new App(), 'Platform');
const bridge = new TfeBridge(stack, 'Bridge', { configFile: 'bridge.config.yaml', receiverReservedConcurrency: 3 });
export const routes: number = bridge.config.routes.length;
// @ts-expect-error the props are typed, not any: a string is not a concurrency
new TfeBridge(stack, 'Wrong', { configFile: 'bridge.config.yaml', receiverReservedConcurrency: 'ten' });
`,
    );
    const compilerOptions = {
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      module: 'nodenext',
      types: ['node'],
    };
    const typeRoots = [join(ROOT, 'node_modules', '@types')];
    const tsconfig = { compilerOptions: { ...compilerOptions, typeRoots }, files: ['typed.ts'] };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', app]).catch((error: { stdout: string }) => error);
    expect(result.stdout).toBe('');
  });
});
