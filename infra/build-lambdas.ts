// `npm run build`'s Lambda step: both bundles into dist/lambda/<entry>/, with the options synth
// uses from source (lambda-bundling.ts), so the installed package needs no esbuild at synth.
import { join } from 'node:path';
import { buildLambdaBundle, LAMBDA_ENTRIES, PROJECT_ROOT } from './lambda-bundling';

for (const entry of LAMBDA_ENTRIES) buildLambdaBundle(entry, join(PROJECT_ROOT, 'dist', 'lambda', entry));
