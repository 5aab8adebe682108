import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // One real PostgreSQL server for the run (the PostgreSQL store's tests); each file makes its own database.
    globalSetup: ['test/setup/postgres.ts'],
    // CI also writes the counts, for the plain "N passed, N failed" line `.ci/run` prints.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
