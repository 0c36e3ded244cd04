// The receiver Lambda, bundled as infra bundles it, carries no AWS SDK: its two AWS calls go
// through adapters/aws/aws-json-client.ts. (Sizes and timings are `npm run bench`'s business.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleLikeCdk, importChain, packagesIn } from '../../bench/bundle';
import { parseConfig } from '../../lambda/core/config/parse';

const outDir = mkdtempSync(join(tmpdir(), 'tfe-bridge-receiver-bundle-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const config = parseConfig({
  routes: [
    {
      id: 'runs',
      signingSecret: { secretId: 'tfe-bridge/hmac' },
      destinations: [{ id: 'api', url: 'https://api.example/hook' }],
    },
  ],
});

const AWS_SDK = /^@(aws-sdk|smithy|aws-crypto)\//;

describe('Lambda bundles', () => {
  it('leave the AWS SDK off the receiver, and keep it on the worker (SQS client)', async () => {
    const bundle = (name: 'receiver' | 'worker') =>
      bundleLikeCdk({
        entry: join(import.meta.dirname, `../../lambda/${name}.ts`),
        outDir,
        name,
        config,
        bundledAs: name,
      });
    const [receiver, worker] = await Promise.all([bundle('receiver'), bundle('worker')]);

    const sdkOnReceiver = [...packagesIn(receiver)].filter((name) => AWS_SDK.test(name));
    // On failure, name the import chain that brought each package back.
    expect(sdkOnReceiver.map((name) => importChain(receiver, name)?.join(' > '))).toEqual([]);

    const onWorker = packagesIn(worker);
    expect(onWorker.has('@aws-sdk/client-sqs')).toBe(true);
    // Bundled, not left to the runtime: the worker runs with no node_modules.
    expect(onWorker.has('@aws-sdk/client-dynamodb')).toBe(true);
    expect(onWorker.has('@aws-sdk/client-secrets-manager')).toBe(false);
  });
});
