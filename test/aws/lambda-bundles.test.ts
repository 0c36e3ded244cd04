// Both Lambdas, bundled as infra bundles them, carry no AWS SDK: their AWS calls go through
// adapters/aws/aws-json-client.ts. (Sizes and timings are `npm run bench`'s business.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleLikeCdk, importChain, packagesIn } from '../../bench/bundle';
import { parseConfig } from '../../lambda/core/config/parse';

const outDir = mkdtempSync(join(tmpdir(), 'tfe-bridge-lambda-bundles-'));
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
  it('leave the AWS SDK off both Lambdas, and zod off the receiver', async () => {
    const bundle = (name: 'receiver' | 'worker') =>
      bundleLikeCdk({
        entry: join(import.meta.dirname, `../../lambda/${name}.ts`),
        outDir,
        name,
        config,
        bundledAs: name,
      });
    const [receiver, worker] = await Promise.all([bundle('receiver'), bundle('worker')]);

    // On failure, name the import chain that brought each package back (lazy ones too: bundled all the same).
    const sdkChains = (bundle: typeof receiver) =>
      [...packagesIn(bundle)]
        .filter((name) => AWS_SDK.test(name))
        .map((name) => importChain(bundle, name)?.join(' > '));
    expect(sdkChains(receiver)).toEqual([]);
    // Nor left out to be loaded from the Lambda runtime's copy at run time.
    const sdkLeftOut = (bundle: typeof receiver) =>
      Object.values(bundle.metafile.outputs)
        .flatMap((output) => output.imports)
        .filter((imported) => imported.external && AWS_SDK.test(imported.path))
        .map((imported) => imported.path);
    expect(sdkLeftOut(receiver)).toEqual([]);
    expect(sdkLeftOut(worker)).toEqual([]);
    // The checks above see packages: the worker's template engine is one, so they would see the SDK.
    expect(packagesIn(worker).has('jsonata')).toBe(true);
    // The worker's DynamoDB and SQS calls and its aws-iam signing need no SDK either: it was most of
    // the worker's bundle and first delivery (docs/performance.md).
    expect(sdkChains(worker)).toEqual([]);

    // zod was most of the receiver's cold start: its config is validated at synth, its payloads
    // checked by hand (docs/performance.md).
    expect(importChain(receiver, 'zod')?.join(' > ')).toBeUndefined();
  });
});
