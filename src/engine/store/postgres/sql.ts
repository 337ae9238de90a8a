import type { Knex } from '@mikro-orm/knex';
import { type Connections, knexConnection, type Sql, type Statement, withConnection } from '../sql.ts';

interface PgResult {
  rows: unknown[];
  rowCount: number | null;
}
interface PgConnection {
  query(q: { name: string; text: string; values: unknown[] }): Promise<PgResult>;
  /** A simple-protocol query: several statements, one round trip, one result each. */
  query(text: string): Promise<PgResult | PgResult[]>;
}

/** PostgreSQL statement names by SQL text; the pg client prepares a name once per connection. */
const pgNames = new Map<string, { name: string; text: string }>();

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

/** Where a PostgreSQL transaction stands: BEGIN not yet sent, open, or committed. */
type PgTx = { state: 'pending' | 'open' | 'committed' };

/**
 * Statements on a pg connection, each a named prepared statement. In a transaction (`tx`), BEGIN
 * goes out with the first statement and COMMIT with `runLast`, each in the same simple-protocol
 * round trip: `BEGIN; EXECUTE name(literals)` (the statement PREPAREd once per connection).
 */
export function pgSql(conn: PgConnection, tx?: PgTx): Sql {
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
    const statements = [...(begin ? ['BEGIN'] : []), ...(prepare ? [`PREPARE ${name} AS ${named(text).text}`] : []), `EXECUTE ${name}${args}`, ...(commit ? ['COMMIT'] : [])];
    try {
      const results = (await conn.query(statements.join('; '))) as PgResult[];
      return results[statements.length - (commit ? 2 : 1)]!;
    } catch (err) {
      // Whether the PREPARE took is unknown: the next use prepares under a new name.
      if (prepare) mine.delete(text);
      throw err;
    }
  };
  const sql: Sql = {
    async all<T>(text: string, params: unknown[] = []) {
      return (await exec(text, params, false)).rows as T[];
    },
    async run(text: string, params: unknown[] = []) {
      return (await exec(text, params, false)).rowCount ?? 0;
    },
    async runLast(text: string, params: unknown[] = []) {
      return (await exec(text, params, true)).rowCount ?? 0;
    },
    async runLastPair([first, p1]: Statement, [second, p2]: Statement) {
      // One round trip for both, with the COMMIT: the first as a CTE of the second.
      await sql.runLast(`WITH e AS (${first}) ${second}`, [...p1, ...p2]);
    },
    inList: (column, values) => [`${column} = ANY(?)`, values],
    jsonRows(alias, columns, rows) {
      const types = Object.entries(columns)
        .map(([c, type]) => `${c} ${type}`)
        .join(', ');
      return [`jsonb_to_recordset(?::jsonb) AS ${alias}(${types})`, JSON.stringify(rows)];
    },
  };
  return sql;
}

/** PostgreSQL's transaction helper: BEGIN rides on the first statement, COMMIT on the last (see pgSql). */
export function pgConnections(knex: Knex): Connections {
  return {
    transaction: (fn) =>
      withConnection(knex, async (conn) => {
        const tx: PgTx = { state: 'pending' };
        const sql = pgSql(conn as PgConnection, tx);
        try {
          const value = await fn(sql);
          if (tx.state === 'open') await sql.run('COMMIT');
          return value;
        } catch (err) {
          if (tx.state !== 'pending')
            await pgSql(conn as PgConnection)
              .run('ROLLBACK')
              .catch(() => {});
          throw err;
        }
      }),
    query: (fn) => withConnection(knex, (conn) => fn(pgSql(conn as PgConnection))),
    inKnex: async (t) => pgSql((await knexConnection(t)) as PgConnection),
  };
}
