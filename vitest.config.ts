import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Tests capture their own logs; anything printed to the console fails the test.
    setupFiles: ['test/support/no-console.ts'],
  },
});
