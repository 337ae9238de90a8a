import { createDb, type Db } from '../../src/db/orm.ts';
import type { EnginePolicy } from '../../src/engine/core/types.ts';
import { openRunStore, type RunStore } from '../../src/engine/store/index.ts';
import type { Continuation } from '../../src/engine/store/run-store.ts';
import type { ClaimedTask, Clock } from '../../src/engine/types.ts';
import type { ValidatedPlan } from '../../src/planning/types.ts';
export { plan } from './plan.ts';
import { createTestDatabase, serviceAvailable, testDialect, type TestDatabase } from '../support/services.ts';

/**
 * The adapter under test is the project's database (BATON_TEST_DB): the sqlite project runs these
 * suites on the SQLite adapter, the postgresql project on the PostgreSQL one.
 */
export const adapterName = testDialect;
export const adapterRuns = testDialect === 'postgresql' ? await serviceAvailable('postgresql') : true;

export interface StoreHarness {
  db: Db;
  clock: Clock & { advance(ms: number): void };
  store(policy?: EnginePolicy): RunStore;
  close(): Promise<void>;
}

/** A migrated database of its own and run stores over it, without the rest of the app. */
export async function openHarness(): Promise<StoreHarness> {
  const database: TestDatabase = await createTestDatabase();
  const db = await createDb({ databaseUrl: database.env.DATABASE_URL, sqlitePath: database.env.SQLITE_PATH ?? '' });
  await db.migrate();
  let t = 1_800_000_000_000;
  const clock = { now: () => ++t, id: () => crypto.randomUUID(), advance: (ms: number) => void (t += ms) };
  return {
    db,
    clock,
    store: (policy) => openRunStore(db, clock, policy),
    async close() {
      await db.close();
      await database.drop();
    },
  };
}

/** A continuation with room for `n` dependents; the tasks claimed into it are collected in `got`. */
export function room(n: number): Continuation & { got: ClaimedTask[] } {
  let left = n;
  const got: ClaimedTask[] = [];
  return {
    got,
    slots: { reserve: () => left > 0 && left-- > 0, unreserve: () => void left++ },
    run: (k) => void got.push(k.task),
  };
}

export const newWorkflow = (validated: ValidatedPlan, tenant = 'default') => ({
  tenant,
  description: 'a request',
  channelId: null,
  orchestrator: 'planner',
  plan: { text: null, validated },
});
