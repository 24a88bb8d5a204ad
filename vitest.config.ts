import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure code, no I/O, parallel) and `integration`
 * (real Kafka, Redis and FerretDB from the local stack, started by the global
 * setup when it is not running). Integration files run one at a time: they
 * share one broker and two cores, and timing-sensitive tests (broker stopped,
 * consumer killed) must not starve each other.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['*/test/unit/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
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
