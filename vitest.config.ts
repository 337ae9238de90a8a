import { defineConfig } from 'vitest/config';

/** Suites that touch the database: they run once on SQLite and once on PostgreSQL. */
const DB_SUITES = [
  'test/engine/**/*.test.ts',
  'test/store/**/*.test.ts',
  'test/graphql/**/*.test.ts',
  'test/tenancy/**/*.test.ts',
  'test/planning/planner.test.ts',
  'test/observability/**/*.test.ts',
  'test/auth/**/*.test.ts',
  'test/tools/**/*.test.ts',
  'test/steering/**/*.test.ts',
  'test/usage/budget.test.ts',
  'test/usage/budget-edges.test.ts',
  'test/usage/budget-recovery.test.ts',
  'test/usage/budget-bullmq.test.ts',
];

const shared = {
  // MikroORM loads .ts migrations with native import(); tsx makes that work in workers.
  execArgv: ['--import', 'tsx'],
  setupFiles: ['test/support/no-network.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
};

export default defineConfig({
  // One graphql instance: Pothos and yoga load graphql's CommonJS build, so our imports must too
  // ("Cannot use GraphQLObjectType from another module or realm" otherwise).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    // One file at a time: the durability suites run several Baton processes each, and on two cores
    // parallel files would make the order-of-events assertions depend on machine load.
    fileParallelism: false,
    maxWorkers: 1,
    projects: [
      // plan-recovery.test.ts is the embedded (SQLite) case; plan-recovery-bullmq.test.ts and
      // bullmq.test.ts need PostgreSQL (several processes on one database), and early-claim.test.ts
      // and fused-lock.test.ts check what only PostgreSQL does: they belong to the second project only,
      // as does test/steering/approvals-bullmq.test.ts (an API process and a BullMQ worker) and
      // test/tools/workspace-s3-bullmq.test.ts (an API and two workers sharing an S3 workspace) and
      // test/usage/budget-bullmq.test.ts (an API process and two workers under one budget).
      {
        test: {
          ...shared,
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/engine/bullmq.test.ts',
            'test/steering/approvals-bullmq.test.ts',
            'test/engine/bullmq-trace.test.ts',
            'test/engine/plan-recovery-bullmq.test.ts',
            'test/engine/early-claim.test.ts',
            'test/engine/fused-lock.test.ts',
            'test/tools/workspace-s3-bullmq.test.ts',
            'test/usage/budget-bullmq.test.ts',
          ],
          env: { BATON_TEST_DB: 'sqlite' },
        },
      },
      {
        test: {
          ...shared,
          name: 'postgresql',
          include: DB_SUITES,
          exclude: ['test/engine/core.test.ts', 'test/engine/slots.test.ts', 'test/graphql/two-process.test.ts', 'test/engine/plan-recovery.test.ts'],
          env: { BATON_TEST_DB: 'postgresql' },
        },
      },
    ],
  },
});
