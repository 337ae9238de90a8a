import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // MikroORM loads .ts migrations with native import(); tsx makes that work in workers.
    execArgv: ['--import', 'tsx'],
    setupFiles: ['test/support/no-network.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
