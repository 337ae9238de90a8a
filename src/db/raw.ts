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
  /**
   * The last statement of a transaction, as `run`. In a `rawTransaction` on PostgreSQL it carries
   * the COMMIT in the same round trip; the transaction is then over.
   */
  runLast(text: string, params?: unknown[]): Promise<number>;
}

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface SqliteConnection {
  prepare(text: string): SqliteStatement;
}
interface PgResult {
  rows: unknown[];
  rowCount: number | null;
}
interface PgConnection {
  query(q: { name: string; text: string; values: unknown[] }): Promise<PgResult>;
  /** A simple-protocol query: several statements, one round trip, one result each. */
  query(text: string): Promise<PgResult | PgResult[]>;
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
    runLast(text: string, params: unknown[] = []) {
      return this.run(text, params);
    },
  };
}

/** A value as a SQL literal, for a simple-protocol query. */
function literal(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (Array.isArray(v)) return stringLiteral(arrayLiteral(v));
  if (typeof v === 'string') return stringLiteral(v);
  throw new TypeError(`no SQL literal for a ${typeof v}`);
}

/**
 * A string as a PostgreSQL literal, as the driver's escapeLiteral writes it (quotes doubled; with a
 * backslash, an E'' literal with backslashes doubled), with native replaces instead of its
 * per-character loop: outputs and results of many kilobytes go through here.
 */
export function stringLiteral(s: string): string {
  const quoted = s.replaceAll("'", "''");
  return s.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

/** A PostgreSQL array literal (`{"a","b"}`) of strings and numbers, as the driver would send it. */
function arrayLiteral(values: unknown[]): string {
  const element = (v: unknown) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`);
  return `{${values.map(element).join(',')}}`;
}

/**
 * Statements prepared with SQL PREPARE, per connection, so a simple-protocol query can EXECUTE
 * them with literal values and reuse their plan (planning the engine's CTEs costs about as much
 * as a round trip). Their names are apart from the driver's own prepared statements.
 */
const sqlPrepared = new WeakMap<PgConnection, Map<string, string>>();
let sqlPreparedNames = 0;

/** Where a PostgreSQL transaction of `rawTransaction` stands: BEGIN not yet sent, open, or committed. */
type PgTx = { state: 'pending' | 'open' | 'committed' };

/**
 * Statements on a pg connection, each a named prepared statement. In a transaction (`tx`), BEGIN
 * goes out with the first statement and COMMIT with `runLast`, each in the same simple-protocol
 * round trip: `BEGIN; EXECUTE name(literals)` (the statement PREPAREd once per connection).
 */
function pgSql(conn: PgConnection, tx?: PgTx): Sql {
  const named = (text: string) => {
    let n = pgNames.get(text);
    if (!n) {
      let i = 0;
      n = { name: `baton_${pgNames.size + 1}`, text: text.replace(/\?/g, () => `$${++i}`) };
      pgNames.set(text, n);
    }
    return n;
  };
  const exec = async (text: string, params: unknown[], last: boolean): Promise<PgResult> => {
    if (tx?.state === 'committed') throw new Error('a statement after the transaction committed');
    const begin = tx?.state === 'pending';
    const commit = last && tx !== undefined;
    if (!begin && !commit) return conn.query({ ...named(text), values: params });
    if (tx) tx.state = commit ? 'committed' : 'open';
    let mine = sqlPrepared.get(conn);
    if (!mine) sqlPrepared.set(conn, (mine = new Map()));
    let name = mine.get(text);
    const prepare = name === undefined;
    if (name === undefined) mine.set(text, (name = `baton_x${++sqlPreparedNames}`));
    const args = params.length > 0 ? `(${params.map(literal).join(', ')})` : '';
    const statements = [
      ...(begin ? ['BEGIN'] : []),
      ...(prepare ? [`PREPARE ${name} AS ${named(text).text}`] : []),
      `EXECUTE ${name}${args}`,
      ...(commit ? ['COMMIT'] : []),
    ];
    try {
      const results = (await conn.query(statements.join('; '))) as PgResult[];
      return results[statements.length - (commit ? 2 : 1)]!;
    } catch (err) {
      // Whether the PREPARE took is unknown: the next use prepares under a new name.
      if (prepare) mine.delete(text);
      throw err;
    }
  };
  return {
    dialect: 'postgresql',
    async all<T>(text: string, params: unknown[] = []) {
      return (await exec(text, params, false)).rows as T[];
    },
    async run(text: string, params: unknown[] = []) {
      return (await exec(text, params, false)).rowCount ?? 0;
    },
    async runLast(text: string, params: unknown[] = []) {
      return (await exec(text, params, true)).rowCount ?? 0;
    },
  };
}

const sqlOf = (dialect: Dialect, conn: unknown, tx?: PgTx): Sql =>
  dialect === 'sqlite' ? sqliteSql(conn as SqliteConnection) : pgSql(conn as PgConnection, tx);

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
  return withConnection(db, async (conn) => {
    if (db.dialect === 'sqlite') {
      const sql = sqlOf(db.dialect, conn);
      await sql.run('BEGIN IMMEDIATE');
      try {
        const value = await fn(sql);
        await sql.run('COMMIT');
        return value;
      } catch (err) {
        await sql.run('ROLLBACK').catch(() => {});
        throw err;
      }
    }
    const tx: PgTx = { state: 'pending' };
    const sql = sqlOf(db.dialect, conn, tx);
    try {
      const value = await fn(sql);
      if (tx.state === 'open') await sql.run('COMMIT');
      return value;
    } catch (err) {
      if (tx.state !== 'pending') await sqlOf(db.dialect, conn).run('ROLLBACK').catch(() => {});
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
export function rawQuery<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withConnection(db, (conn) => fn(sqlOf(db.dialect, conn)));
}

async function withConnection<T>(db: Db, fn: (conn: unknown) => Promise<T>): Promise<T> {
  const client = db.knex.client as unknown as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    return await fn(conn);
  } finally {
    await client.releaseConnection(conn);
  }
}
