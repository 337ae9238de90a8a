import type { Knex } from '@mikro-orm/knex';

/** Any fixed 64-bit key; it only has to differ from other applications' advisory locks on the same database. */
const PG_START_LOCK = 0x62_61_74_6f_6e_00_01n; // "baton" 0 1

interface PgConnection {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}
interface SqliteHandle {
  exec(sql: string): void;
  close(): void;
}
type SqliteDriver = new (path: string, opts: { timeout: number }) => SqliteHandle;

/*
 * Start locks: `fn` (migrations, then seeding) runs while no other Baton process on the same
 * database does, so processes started together on an empty database do not race to create the
 * same tables or insert the same rows. Waiters wait up to `timeoutMs`.
 */

/**
 * PostgreSQL: a session-level advisory lock on a connection held for the purpose; a process that
 * dies holding it loses its session, and the lock with it.
 */
export async function withPgLock<T>(knex: Knex, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const client = knex.client as unknown as { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    // A waiter gives up rather than hangs forever behind a stuck holder (lock_timeout is per session).
    await conn.query(`SET lock_timeout = ${Math.floor(timeoutMs)}`);
    await conn.query('SELECT pg_advisory_lock($1)', [PG_START_LOCK.toString()]);
    try {
      return await fn();
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [PG_START_LOCK.toString()]).catch(() => {});
      await conn.query('RESET lock_timeout').catch(() => {});
    }
  } finally {
    await client.releaseConnection(conn);
  }
}

/**
 * SQLite: an exclusive transaction on a small lock file beside the database, opened with the
 * driver the ORM already uses; the operating system drops the file lock when its holder dies.
 */
export async function withSqliteLock<T>(knex: Knex, sqlitePath: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  if (sqlitePath === ':memory:') return fn();
  const lockPath = `${sqlitePath}.lock`;
  const Driver = (knex.client as unknown as { driver: SqliteDriver }).driver;
  const lock = new Driver(lockPath, { timeout: timeoutMs });
  try {
    // Blocks (up to the timeout) while another process holds it. This connection writes nothing.
    lock.exec('BEGIN EXCLUSIVE');
    try {
      return await fn();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}
