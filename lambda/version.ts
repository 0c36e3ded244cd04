// The tfe-bridge version, for `--version` and the User-Agent of every delivery. A plain constant
// so the Lambda bundles (esbuild) and compiled dist/ carry it with no file to find at run time;
// test/version.test.ts fails when it differs from package.json's "version".
export const VERSION = '0.1.0';
