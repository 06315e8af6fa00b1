import { defineConfig } from 'vitest/config';

const SOURCE_CONDITIONS = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  // The workspace packages' `source` export condition: tests run the TypeScript itself, unbuilt
  // (the same condition tsconfig.json's customConditions gives the type-checker).
  // The global setup runs in vitest's own environment, the test files in the ssr one.
  environments: { __vitest__: { resolve: { conditions: SOURCE_CONDITIONS } }, ssr: { resolve: { conditions: SOURCE_CONDITIONS } } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on PostgreSQL, Redis and child processes rather than compute: vitest's default
    // (one worker per core but one) ran them one after another on a 2-core machine.
    maxWorkers: 4,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
