import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    // Native modules (better-sqlite3, node-pty) and real sockets: separate processes, not worker threads.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Fail the run if a test file is focused with .only.
    allowOnly: false,
  },
});
