import type { Knex } from '@mikro-orm/knex';
import { type Connections, knexConnection, type Sql, type Statement, withConnection } from '../sql.ts';

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface SqliteConnection {
  prepare(text: string): SqliteStatement;
}

/** Statements prepared once per connection: better-sqlite3 runs them synchronously in this process. */
const prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();

export function sqliteSql(conn: SqliteConnection): Sql {
  let cache = prepared.get(conn);
  if (!cache) prepared.set(conn, (cache = new Map()));
  const statement = (text: string) => {
    let s = cache.get(text);
    if (!s) cache.set(text, (s = conn.prepare(text)));
    return s;
  };
  const sql: Sql = {
    async all<T>(text: string, params: unknown[] = []) {
      return statement(text).all(...params) as T[];
    },
    async run(text: string, params: unknown[] = []) {
      const s = statement(text);
      return s.reader ? s.all(...params).length : s.run(...params).changes;
    },
    runLast: (text, params) => sql.run(text, params),
    async runLastPair(first: Statement, second: Statement) {
      await sql.run(...first);
      await sql.run(...second);
    },
    inList: (column, values) => [`${column} IN (SELECT value FROM json_each(?))`, JSON.stringify(values)],
    jsonRows(alias, columns, rows) {
      const select = Object.keys(columns)
        .map((c) => `json_extract(value, '$.${c}') AS ${c}`)
        .join(', ');
      return [`(SELECT ${select} FROM json_each(?)) AS ${alias}`, JSON.stringify(rows)];
    },
  };
  return sql;
}

/** SQLite's transaction helper: the write lock is taken at BEGIN (IMMEDIATE), so a transaction never has to upgrade it. */
export function sqliteConnections(knex: Knex): Connections {
  return {
    transaction: (fn) =>
      withConnection(knex, async (conn) => {
        const sql = sqliteSql(conn as SqliteConnection);
        await sql.run('BEGIN IMMEDIATE');
        try {
          const value = await fn(sql);
          await sql.run('COMMIT');
          return value;
        } catch (err) {
          await sql.run('ROLLBACK').catch(() => {});
          throw err;
        }
      }),
    query: (fn) => withConnection(knex, (conn) => fn(sqliteSql(conn as SqliteConnection))),
    inKnex: async (t) => sqliteSql((await knexConnection(t)) as SqliteConnection),
  };
}
