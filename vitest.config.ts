import { defineConfig } from 'vitest/config';

const pgPass = process.env.INV_TEST_BACKEND === 'postgres';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Most tests wait on inv child processes: three files at a time keep two cores busy (2m20 instead of 3m30 here).
    maxWorkers: 3,
    // A guard against hangs, not a timing goal. On PostgreSQL (.ci/run's second pass) every store is a
    // database of a server sharing the same two cores, and a 100,000-row import took 8 s alone and over 30 s
    // under CI's load: twice the time there.
    testTimeout: pgPass ? 60_000 : 30_000,
    hookTimeout: pgPass ? 60_000 : 30_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
