#!/usr/bin/env node
// Development entry: runs the TypeScript source through tsx, so tests and `npm start` always run
// the code as it is now. The package's `tfe-bridge` is the compiled dist/tfe-bridge.js (npm run build).
import { register } from 'tsx/esm/api';

register();
await import('../lambda/bin.ts');
