// The Lambda environment contract with infra: variable names, validation messages, and the
// config read from the config.json synth writes beside the bundle.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LambdaEnvError,
  readBakedConfigFile,
  readReceiverEnv,
  readWorkerEnv,
} from '../../lambda/adapters/aws/env';
import { BAKED_CONFIG_FORMAT, bakeConfig } from '../../lambda/core/config/baked';
import { parseConfigText } from '../../lambda/core/config/text';
import { bakedConfigJson } from '../support/baked-config';

const CONFIG = {
  routes: [
    {
      id: 'runs',
      signingSecret: { secretId: 'tfe-bridge/hmac' },
      destinations: [{ id: 'api', url: 'https://api.example/hook' }],
    },
  ],
};
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tfe-bridge-jobs.fifo';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tfe-bridge-dead-letters.fifo';

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(LambdaEnvError);
    return (error as LambdaEnvError).problems;
  }
  throw new Error('expected a LambdaEnvError');
}

describe('Lambda environment', () => {
  it('reads the receiver settings', () => {
    const env = readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: bakedConfigJson(CONFIG), QUEUE_URL });
    expect(env.queueUrl).toBe(QUEUE_URL);
    expect(env.secretCacheTtlMs).toBeUndefined();
    // Validated and defaulted like any config.
    expect(env.config.routes[0]?.destinations[0]).toMatchObject({ id: 'api', timeoutMs: 10_000 });
  });

  it('reads the worker settings, including the DLQ and the cache TTL', () => {
    const env = readWorkerEnv({
      TFE_BRIDGE_CONFIG_JSON: bakedConfigJson(CONFIG),
      QUEUE_URL,
      DEAD_LETTER_QUEUE_URL: DLQ_URL,
      DELIVERY_STATE_TABLE: 'tfe-bridge-delivery-state',
      SECRET_CACHE_TTL_MS: '60000',
    });
    expect(env).toMatchObject({
      queueUrl: QUEUE_URL,
      deadLetterQueueUrl: DLQ_URL,
      deliveryStateTable: 'tfe-bridge-delivery-state',
      secretCacheTtlMs: 60_000,
    });
  });

  it('reads the dead-letter archive table with its retention, and refuses a table without days', () => {
    const base = {
      TFE_BRIDGE_CONFIG_JSON: bakedConfigJson(CONFIG),
      QUEUE_URL,
      DEAD_LETTER_QUEUE_URL: DLQ_URL,
      DELIVERY_STATE_TABLE: 'state',
    };
    expect(readWorkerEnv(base).deadLetterArchive).toBeUndefined();
    expect(
      readWorkerEnv({ ...base, DEAD_LETTER_ARCHIVE_TABLE: 'archive', DEAD_LETTER_ARCHIVE_DAYS: '365' })
        .deadLetterArchive,
    ).toEqual({ table: 'archive', days: 365 });
    expect(problemsOf(() => readWorkerEnv({ ...base, DEAD_LETTER_ARCHIVE_TABLE: 'archive' }))).toEqual([
      'DEAD_LETTER_ARCHIVE_DAYS is not set',
    ]);
    expect(
      problemsOf(() =>
        readWorkerEnv({ ...base, DEAD_LETTER_ARCHIVE_TABLE: 'archive', DEAD_LETTER_ARCHIVE_DAYS: '0' }),
      ),
    ).toEqual(['DEAD_LETTER_ARCHIVE_DAYS must be a whole number of days (1 or more)']);
  });

  it('lists every missing variable at once', () => {
    expect(problemsOf(() => readWorkerEnv({}))).toEqual([
      'TFE_BRIDGE_CONFIG_JSON is not set and there is no config.json beside the code (cdk synth writes it)',
      'QUEUE_URL is not set',
      'DEAD_LETTER_QUEUE_URL is not set',
      'DELIVERY_STATE_TABLE is not set',
    ]);
    expect(problemsOf(() => readReceiverEnv({}))).toEqual([
      'TFE_BRIDGE_CONFIG_JSON is not set and there is no config.json beside the code (cdk synth writes it)',
      'QUEUE_URL is not set',
    ]);
  });

  it('rejects malformed values with the variable name', () => {
    expect(
      problemsOf(() =>
        readWorkerEnv({
          TFE_BRIDGE_CONFIG_JSON: bakedConfigJson(CONFIG),
          QUEUE_URL: 'not a url',
          DEAD_LETTER_QUEUE_URL: DLQ_URL,
          DELIVERY_STATE_TABLE: 'state',
          SECRET_CACHE_TTL_MS: '5 minutes',
        }),
      ),
    ).toEqual(['QUEUE_URL must be a URL', 'SECRET_CACHE_TTL_MS must be a whole number of milliseconds']);
  });

  it('refuses a config that is not JSON, or was not baked (validated) by cdk synth', () => {
    expect(problemsOf(() => readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: '{routes:', QUEUE_URL }))[0]).toMatch(
      /^TFE_BRIDGE_CONFIG_JSON: not valid JSON/,
    );
    // A raw config (even a valid one) never reaches a handler unvalidated: only synth bakes it.
    for (const raw of [
      CONFIG,
      { format: 'tfe-bridge-config/0', config: CONFIG },
      { format: BAKED_CONFIG_FORMAT },
    ]) {
      expect(
        problemsOf(() => readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: JSON.stringify(raw), QUEUE_URL })),
      ).toEqual([
        "TFE_BRIDGE_CONFIG_JSON: not a config baked by this version's cdk synth (format tfe-bridge-config/1); deploy the bundles and the config together with `cdk deploy`",
      ]);
    }
  });

  it('reads the baked config exactly as parseConfig left it, defaults included', () => {
    const path = join(import.meta.dirname, '../../examples/bridge.config.yaml');
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: bakeConfig(config), QUEUE_URL }).config).toEqual(config);
  });
});

describe('config.json beside the code', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is what a bundled entry reads, from the folder of the bundle itself', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-env-'));
    const result = await build({
      entryPoints: [join(import.meta.dirname, '../../lambda/adapters/aws/env.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    const file = join(dir, 'env.mjs');
    writeFileSync(file, result.outputFiles[0]?.text ?? '');
    writeFileSync(join(dir, 'config.json'), bakedConfigJson(CONFIG));
    const bundled = (await import(
      pathToFileURL(file).href
    )) as typeof import('../../lambda/adapters/aws/env');
    // Nothing in the runtime environment carries the config: only the file can.
    expect(process.env.TFE_BRIDGE_CONFIG_JSON).toBeUndefined();
    const env = bundled.readReceiverEnv({ ...bundled.lambdaEnvSource(), QUEUE_URL });
    expect(env.config.routes.map((r) => r.id)).toEqual(['runs']);
  });

  it('is undefined when missing, and a LambdaEnvError naming the path when unreadable', () => {
    dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-env-'));
    expect(readBakedConfigFile(dir)).toBeUndefined();
    mkdirSync(join(dir, 'config.json'));
    expect(problemsOf(() => readBakedConfigFile(dir))).toEqual([
      expect.stringMatching(new RegExp(`^${join(dir, 'config.json')} cannot be read: EISDIR`)),
    ]);
  });
});
