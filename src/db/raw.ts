import type { Knex } from '@mikro-orm/knex';
import type { Db, Dialect } from './orm.ts';

/**
 * Hand-written SQL on the connection of a transaction, for the engine's hot
 * path (every claim and completion): knex builds and better-sqlite3 prepares
 * each statement anew, which cost more than the statement itself. Here a
 * statement is prepared once per connection (SQLite) or named once per text
 * (PostgreSQL), and its text never varies with the number of values.
 *
 * Text uses `?` placeholders. Lists go in one parameter through `inList`, rows
 * of an insert through `jsonRows`; both keep the text constant.
 */
export interface Sql {
  readonly dialect: Dialect;
  /** Rows of a SELECT or of a statement with RETURNING. */
  all<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** How many rows the statement changed. */
  run(text: string, params?: unknown[]): Promise<number>;
}

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface SqliteConnection {
  prepare(text: string): SqliteStatement;
}
interface PgConnection {
  query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

const prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
/** PostgreSQL statement names by SQL text; the pg client prepares a name once per connection. */
const pgNames = new Map<string, { name: string; text: string }>();

function sqliteSql(conn: SqliteConnection): Sql {
  let cache = prepared.get(conn);
  if (!cache) prepared.set(conn, (cache = new Map()));
  const statement = (text: string) => {
    let s = cache.get(text);
    if (!s) cache.set(text, (s = conn.prepare(text)));
    return s;
  };
  return {
    dialect: 'sqlite',
    async all<T>(text: string, params: unknown[] = []) {
      return statement(text).all(...params) as T[];
    },
    async run(text: string, params: unknown[] = []) {
      const s = statement(text);
      return s.reader ? s.all(...params).length : s.run(...params).changes;
    },
  };
}

function pgSql(conn: PgConnection): Sql {
  const named = (text: string) => {
    let n = pgNames.get(text);
    if (!n) {
      let i = 0;
      n = { name: `baton_${pgNames.size + 1}`, text: text.replace(/\?/g, () => `$${++i}`) };
      pgNames.set(text, n);
    }
    return n;
  };
  return {
    dialect: 'postgresql',
    async all<T>(text: string, params: unknown[] = []) {
      return (await conn.query({ ...named(text), values: params })).rows as T[];
    },
    async run(text: string, params: unknown[] = []) {
      return (await conn.query({ ...named(text), values: params })).rowCount ?? 0;
    },
  };
}

const sqlOf = (dialect: Dialect, conn: unknown): Sql =>
  dialect === 'sqlite' ? sqliteSql(conn as SqliteConnection) : pgSql(conn as PgConnection);

/** The raw connection of a knex transaction, for statements inside it. */
export async function sqlIn(t: Knex.Transaction, dialect: Dialect): Promise<Sql> {
  const client = (t as unknown as { client: { acquireConnection(): Promise<unknown> } }).client;
  return sqlOf(dialect, await client.acquireConnection());
}

/**
 * One transaction on a connection of the pool, without knex. SQLite takes the
 * write lock at BEGIN (IMMEDIATE), so a transaction never has to upgrade it.
 */
export function rawTransaction<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return rawQuery(db, async (sql) => {
    await sql.run(db.dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const value = await fn(sql);
      await sql.run('COMMIT');
      return value;
    } catch (err) {
      await sql.run('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}

/** `column IN (…values)` with the list in one parameter: `[fragment, param]`. */
export function inList(dialect: Dialect, column: string, values: readonly string[]): [string, unknown] {
  return dialect === 'sqlite'
    ? [`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(values)]
    : [`${column} = ANY(?)`, values];
}

/**
 * A row source of objects passed as one JSON parameter, for `FROM` and `SELECT … FROM`:
 * one row per object with the given columns (name → PostgreSQL type), named `alias`.
 */
export function jsonRows(dialect: Dialect, alias: string, columns: Record<string, string>, rows: readonly Record<string, unknown>[]): [string, unknown] {
  const names = Object.keys(columns);
  if (dialect === 'sqlite') {
    const select = names.map((c) => `json_extract(value, '$.${c}') AS ${c}`).join(', ');
    return [`(SELECT ${select} FROM json_each(?)) AS ${alias}`, JSON.stringify(rows)];
  }
  const types = names.map((c) => `${c} ${columns[c]}`).join(', ');
  return [`jsonb_to_recordset(?::jsonb) AS ${alias}(${types})`, JSON.stringify(rows)];
}

/** Statements outside a transaction (reads), on a connection of the pool. */
export async function rawQuery<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = db.knex.client as unknown as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    return await fn(sqlOf(db.dialect, conn));
  } finally {
    await client.releaseConnection(conn);
  }
}
