import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Knex } from '@mikro-orm/knex';
import type { Clock } from '../types.ts';
import { pgConnections } from './postgres/sql.ts';
import { pgHotPath } from './postgres/hot-path.ts';
import type { Adapter } from './run-store.ts';
import { sqliteConnections } from './sqlite/sql.ts';
import { sqliteHotPath } from './sqlite/hot-path.ts';
import { withPgLock, withSqliteLock } from './start-lock.ts';

/** Where the database is: a PostgreSQL URL, else a SQLite file. */
export interface DatabaseLocation {
  databaseUrl?: string;
  sqlitePath: string;
}

/** What differs between the databases Baton runs on, from the ORM's options to the run store's SQL. */
export interface Database {
  /** Its folder under migrations/. */
  readonly migrations: 'sqlite' | 'postgresql';
  /** The ORM's options for it, beside the common ones; `drivers` are MikroORM's driver classes. */
  ormOptions(drivers: { sqlite: unknown; pg: unknown }): Record<string, unknown>;
  /** Runs fn while no other Baton process on this database runs its own (start-up: migrate, then seed). */
  startLock<T>(knex: Knex, fn: () => Promise<T>, timeoutMs?: number): Promise<T>;
  /** The run store's adapter: its connections, transaction helper and hot path. */
  adapter(knex: Knex, clock: Clock): Adapter;
}

function postgres(url: string): Database {
  return {
    migrations: 'postgresql',
    ormOptions: (drivers) => ({ driver: drivers.pg, clientUrl: url, pool: { min: 0, max: 10 } }),
    startLock: (knex, fn, timeoutMs = 120_000) => withPgLock(knex, fn, timeoutMs),
    adapter(knex, clock) {
      const conns = pgConnections(knex);
      return { conns, hot: pgHotPath(conns, clock) };
    },
  };
}

function sqlite(path: string): Database {
  return {
    migrations: 'sqlite',
    ormOptions(drivers) {
      if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
      return {
        driver: drivers.sqlite,
        dbName: path,
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
      };
    },
    startLock: (knex, fn, timeoutMs = 120_000) => withSqliteLock(knex, path, fn, timeoutMs),
    adapter(knex, clock) {
      const conns = sqliteConnections(knex);
      return { conns, hot: sqliteHotPath(conns, clock) };
    },
  };
}

/** The database at this location: the one place that tells them apart. */
export const databaseAt = (where: DatabaseLocation): Database => (where.databaseUrl ? postgres(where.databaseUrl) : sqlite(where.sqlitePath));
