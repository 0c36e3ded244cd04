import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // An upper bound, not a speed check: a synth with bundling or a fault scenario on a loaded
    // 2-core machine may take minutes; a test that hangs still fails.
    testTimeout: 120_000,
    // Tests capture their own logs; anything printed to the console fails the test.
    setupFiles: ['test/support/no-console.ts'],
  },
});
