import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds a stale dist/ before the CLI tests run it.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One test file per core. Vitest's default in a run is one fewer, which on a 2-core machine
    // is a single worker: every file one after another, while most of a CLI test is spent
    // waiting on the child processes it starts.
    maxWorkers: os.availableParallelism(),
  },
});
