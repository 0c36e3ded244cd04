// The Lambda environment contract with infra: variable names, validation messages, and the
// config inlined by esbuild `define` of process.env.TFE_BRIDGE_CONFIG_JSON.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaEnvError, readReceiverEnv, readWorkerEnv } from '../../lambda/adapters/aws/env';

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
    const env = readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: JSON.stringify(CONFIG), QUEUE_URL });
    expect(env.queueUrl).toBe(QUEUE_URL);
    expect(env.secretCacheTtlMs).toBeUndefined();
    // Validated and defaulted like any config.
    expect(env.config.routes[0]?.destinations[0]).toMatchObject({ id: 'api', timeoutMs: 10_000 });
  });

  it('reads the worker settings, including the DLQ and the cache TTL', () => {
    const env = readWorkerEnv({
      TFE_BRIDGE_CONFIG_JSON: JSON.stringify(CONFIG),
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

  it('lists every missing variable at once', () => {
    expect(problemsOf(() => readWorkerEnv({}))).toEqual([
      'TFE_BRIDGE_CONFIG_JSON is not set',
      'QUEUE_URL is not set',
      'DEAD_LETTER_QUEUE_URL is not set',
      'DELIVERY_STATE_TABLE is not set',
    ]);
    expect(problemsOf(() => readReceiverEnv({}))).toEqual([
      'TFE_BRIDGE_CONFIG_JSON is not set',
      'QUEUE_URL is not set',
    ]);
  });

  it('rejects malformed values with the variable name', () => {
    expect(
      problemsOf(() =>
        readWorkerEnv({
          TFE_BRIDGE_CONFIG_JSON: JSON.stringify(CONFIG),
          QUEUE_URL: 'not a url',
          DEAD_LETTER_QUEUE_URL: DLQ_URL,
          DELIVERY_STATE_TABLE: 'state',
          SECRET_CACHE_TTL_MS: '5 minutes',
        }),
      ),
    ).toEqual(['QUEUE_URL must be a URL', 'SECRET_CACHE_TTL_MS must be a whole number of milliseconds']);
  });

  it('reports a config that is not JSON, or not valid, with the field paths', () => {
    expect(problemsOf(() => readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: '{routes:', QUEUE_URL }))[0]).toMatch(
      /^TFE_BRIDGE_CONFIG_JSON: not valid JSON/,
    );
    const invalid = { routes: [{ id: 'runs', destinations: [{ id: 'api', url: 'ftp://x' }] }] };
    expect(
      problemsOf(() => readReceiverEnv({ TFE_BRIDGE_CONFIG_JSON: JSON.stringify(invalid), QUEUE_URL })),
    ).toEqual([
      'TFE_BRIDGE_CONFIG_JSON: routes[0].destinations[0].url: must be an http(s) URL',
      'TFE_BRIDGE_CONFIG_JSON: routes[0].signingSecret: is required (or set allowUnsigned: true to accept unsigned requests)',
    ]);
  });
});

describe('config inlined at build time', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('esbuild `define` of process.env.TFE_BRIDGE_CONFIG_JSON reaches readReceiverEnv()', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tfe-bridge-env-'));
    const json = JSON.stringify(CONFIG);
    const result = await build({
      entryPoints: [join(import.meta.dirname, '../../lambda/adapters/aws/env.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      define: { 'process.env.TFE_BRIDGE_CONFIG_JSON': JSON.stringify(json) },
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).not.toContain('process.env.TFE_BRIDGE_CONFIG_JSON');
    const file = join(dir, 'env.mjs');
    writeFileSync(file, code);
    const bundled = (await import(
      pathToFileURL(file).href
    )) as typeof import('../../lambda/adapters/aws/env');
    // Nothing in the runtime environment carries the config: only the inlined value can.
    expect(process.env.TFE_BRIDGE_CONFIG_JSON).toBeUndefined();
    const env = bundled.readReceiverEnv({ ...bundled.lambdaEnvSource(), QUEUE_URL });
    expect(env.config.routes.map((r) => r.id)).toEqual(['runs']);
  });
});
