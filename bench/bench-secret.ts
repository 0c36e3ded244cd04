// The benchmarks' signing token, on its own so the Lambda baseline (bench/hono-handler.ts, through
// signed-body.ts) does not pull in the fixtures loader. Not a secret: every receiver verifies the same HMAC with it.
export const BENCH_SIGNING_SECRET = 'bench-signing-token-0123456789abcdef';
/** Where the benchmarks' secrets stores keep it. */
export const BENCH_SIGNING_SECRET_ID = 'bench/hmac';
