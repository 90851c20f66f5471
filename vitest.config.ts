import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // The run has its own cache directory, never the user's.
    globalSetup: ['test/helpers/private-cache.ts'],
    // Native modules (better-sqlite3, node-pty) and real sockets: separate processes, not worker threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Fail the run if a test file is focused with .only.
    allowOnly: false,
  },
});
