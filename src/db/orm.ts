import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import type { EntityManager, Knex } from '@mikro-orm/knex';
import { entities } from './entities.ts';
import { withStartLock } from './start-lock.ts';
import { DatabaseUnreachableError, describeUrl, MigrationFailedError, shortReason } from '../startup.ts';

export type Dialect = 'sqlite' | 'postgresql';

export interface DbOptions {
  databaseUrl?: string;
  sqlitePath: string;
  /** Called with every SQL statement sent; tests count them. */
  onQuery?: (sql: string) => void;
}

export interface Db {
  orm: MikroORM;
  dialect: Dialect;
  /** A fresh EntityManager; every request and every engine step uses its own. */
  em(): EntityManager;
  knex: Knex;
  migrate(): Promise<string[]>;
  /** Runs fn while no other Baton process on this database runs its own (start-up: migrate, then seed). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const migrationsPath = (dialect: Dialect) => resolve(root, 'migrations', dialect);

export function ormOptions(opts: DbOptions): Options {
  const dialect: Dialect = opts.databaseUrl ? 'postgresql' : 'sqlite';
  const common = {
    entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    allowGlobalContext: false,
    migrations: {
      path: migrationsPath(dialect),
      pathTs: migrationsPath(dialect),
      tableName: 'baton_migrations',
      transactional: true,
      snapshot: false,
      emit: 'ts' as const,
      silent: true,
    },
  };
  if (dialect === 'postgresql') {
    return { ...common, driver: pgDriver(), clientUrl: opts.databaseUrl, pool: { min: 0, max: 10 } } as Options;
  }
  if (opts.sqlitePath !== ':memory:') mkdirSync(dirname(resolve(opts.sqlitePath)), { recursive: true });
  return {
    ...common,
    driver: sqliteDriver(),
    dbName: opts.sqlitePath,
    pool: {
      afterCreate(conn: { pragma(s: string): unknown }, done: (err: unknown, conn: unknown) => void) {
        // WAL lets readers run beside the single writer; NORMAL is durable across a process crash.
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        done(null, conn);
      },
    },
  } as Options;
}

let drivers: { sqlite: unknown; pg: unknown } | undefined;
const sqliteDriver = () => drivers!.sqlite;
const pgDriver = () => drivers!.pg;

async function loadDrivers() {
  if (drivers) return;
  const [{ BetterSqliteDriver }, { PostgreSqlDriver }] = await Promise.all([
    import('@mikro-orm/better-sqlite'),
    import('@mikro-orm/postgresql'),
  ]);
  drivers = { sqlite: BetterSqliteDriver, pg: PostgreSqlDriver };
}

export async function createDb(opts: DbOptions): Promise<Db> {
  await loadDrivers();
  const orm = await MikroORM.init(ormOptions(opts)).catch((err) => {
    throw opts.databaseUrl
      ? new DatabaseUnreachableError(describeUrl(opts.databaseUrl), shortReason(err))
      : new DatabaseUnreachableError(`file ${opts.sqlitePath}`, shortReason(err), 'SQLITE_PATH');
  });
  const dialect: Dialect = opts.databaseUrl ? 'postgresql' : 'sqlite';
  const em = () => orm.em.fork() as unknown as EntityManager;
  const knex = (orm.em as unknown as EntityManager).getKnex();
  if (opts.onQuery) knex.on('query', (q: { sql: string }) => opts.onQuery!(q.sql));
  return {
    orm,
    dialect,
    em,
    knex,
    async migrate() {
      // Each migration runs in its own transaction: a failed one leaves nothing half-applied.
      const done = await orm.getMigrator().up().catch((err) => {
        throw new MigrationFailedError(shortReason(err.cause ?? err));
      });
      return done.map((m) => m.name);
    },
    exclusive: (fn) => withStartLock(knex, dialect, opts.sqlitePath, fn),
    close: () => orm.close(true),
  };
}
