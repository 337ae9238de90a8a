import type { Knex } from '@mikro-orm/knex';
import type { EnginePolicy } from '../core/types.ts';
import type { Clock } from '../types.ts';
import type { Database } from './database.ts';
import { createRunStore, type RunStore } from './run-store.ts';

export type { RunStore } from './run-store.ts';
export type { Committed } from './transition.ts';
export type { NewWorkflow } from './workflows.ts';

/** The run store of a database, over that database's adapter. */
export function openRunStore(db: { knex: Knex; database: Database }, clock: Clock, policy?: EnginePolicy): RunStore {
  return createRunStore(db.knex, db.database.adapter(db.knex, clock), clock, policy);
}
