import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure code, no I/O, parallel) and `integration`
 * (real Kafka, Redis and FerretDB from the local stack, started by the global
 * setup when it is not running). Integration files run one at a time: they
 * share one broker and two cores, and timing-sensitive tests (broker stopped,
 * consumer killed) must not starve each other.
 *
 * Tests run the TypeScript sources: the `source` export condition resolves
 * `@attendance/common` to `common/src` (the services' built code uses
 * `common/dist`), so a test never needs a build first.
 */
const conditions = ['source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    // One day per run, whatever the hour: see the file.
    setupFiles: ['./test/support/test-clock.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['*/test/unit/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['*/test/integration/**/*.test.ts', 'test/integration/**/*.test.ts'],
          globalSetup: ['./test/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
