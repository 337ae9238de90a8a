import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { EntityManager, Knex } from '@mikro-orm/knex';
import { entities } from './entities.ts';
import { type Database, databaseAt } from '../engine/store/database.ts';
import { DatabaseUnreachableError, describeUrl, MigrationFailedError, shortReason } from '../startup.ts';

export interface DbOptions {
  databaseUrl?: string;
  sqlitePath: string;
  /** Called with every SQL statement sent; tests count them. */
  onQuery?: (sql: string) => void;
}

export interface Db {
  orm: MikroORM;
  /** Which database it is, as far as anything needs to know: the run store's adapter and the start lock. */
  database: Database;
  /** A fresh EntityManager; every request and every engine step uses its own. */
  em(): EntityManager;
  knex: Knex;
  migrate(): Promise<string[]>;
  /** Runs fn while no other Baton process on this database runs its own (start-up: migrate, then seed). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const migrationsPath = (database: Database) => resolve(root, 'migrations', database.migrations);

export function ormOptions(opts: DbOptions): Options {
  const database = databaseAt(opts);
  return {
    entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    allowGlobalContext: false,
    migrations: {
      path: migrationsPath(database),
      pathTs: migrationsPath(database),
      tableName: 'baton_migrations',
      transactional: true,
      snapshot: false,
      emit: 'ts' as const,
      silent: true,
    },
    ...database.ormOptions(drivers!),
  } as Options;
}

let drivers: { sqlite: unknown; pg: unknown } | undefined;

async function loadDrivers() {
  if (drivers) return;
  const [{ BetterSqliteDriver }, { PostgreSqlDriver }] = await Promise.all([import('@mikro-orm/better-sqlite'), import('@mikro-orm/postgresql')]);
  drivers = { sqlite: BetterSqliteDriver, pg: PostgreSqlDriver };
}

export async function createDb(opts: DbOptions): Promise<Db> {
  await loadDrivers();
  const orm = await MikroORM.init(ormOptions(opts)).catch((err) => {
    throw opts.databaseUrl
      ? new DatabaseUnreachableError(describeUrl(opts.databaseUrl), shortReason(err))
      : new DatabaseUnreachableError(`file ${opts.sqlitePath}`, shortReason(err), 'SQLITE_PATH');
  });
  const database = databaseAt(opts);
  const em = () => orm.em.fork() as unknown as EntityManager;
  const knex = (orm.em as unknown as EntityManager).getKnex();
  if (opts.onQuery) knex.on('query', (q: { sql: string }) => opts.onQuery!(q.sql));
  return {
    orm,
    database,
    em,
    knex,
    async migrate() {
      // Each migration runs in its own transaction: a failed one leaves nothing half-applied.
      const done = await orm
        .getMigrator()
        .up()
        .catch((err) => {
          throw new MigrationFailedError(shortReason(err.cause ?? err));
        });
      return done.map((m) => m.name);
    },
    exclusive: (fn) => database.startLock(knex, fn),
    close: () => orm.close(true),
  };
}
