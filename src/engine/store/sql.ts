import type { Knex } from '@mikro-orm/knex';

/**
 * Hand-written SQL on the connection of a transaction, for the engine's hot path (every claim and
 * completion): knex builds and better-sqlite3 prepares each statement anew, which cost more than
 * the statement itself. Each adapter implements it for its database (sqlite/sql.ts,
 * postgres/sql.ts); code outside the adapters writes SQL both accept and never asks which it is.
 *
 * Text uses `?` placeholders. Lists go in one parameter through `inList`, rows of an insert through
 * `jsonRows`; both keep the text constant, so a statement is prepared once.
 */
export interface Sql {
  /** Rows of a SELECT or of a statement with RETURNING. */
  all<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** How many rows the statement changed. */
  run(text: string, params?: unknown[]): Promise<number>;
  /**
   * The last statement of a transaction, as `run`. In a `transaction` on PostgreSQL it carries
   * the COMMIT in the same round trip; the transaction is then over.
   */
  runLast(text: string, params?: unknown[]): Promise<number>;
  /** The last two writes of a transaction (an insert, then an update): one round trip on PostgreSQL. */
  runLastPair(first: Statement, second: Statement): Promise<void>;
  /** `column IN (…values)` with the list in one parameter: `[fragment, param]`. */
  inList(column: string, values: readonly string[]): [string, unknown];
  /**
   * A row source of objects passed as one JSON parameter, for `FROM` and `SELECT … FROM`:
   * one row per object with the given columns (name → PostgreSQL type), named `alias`.
   */
  jsonRows(alias: string, columns: Record<string, string>, rows: readonly Record<string, unknown>[]): [string, unknown];
}

export type Statement = [text: string, params: unknown[]];

/** How an adapter opens its connections: the transaction helper of its database. */
export interface Connections {
  /** One transaction of hand-written statements on a connection of the pool. */
  transaction<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** Statements outside a transaction (reads), on a connection of the pool. */
  query<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** The raw connection of a knex transaction, for statements inside it. */
  inKnex(t: Knex.Transaction): Promise<Sql>;
}

/** The pool's connection, lent for one function. */
export async function withConnection<T>(knex: Knex, fn: (conn: unknown) => Promise<T>): Promise<T> {
  const client = knex.client as unknown as { acquireConnection(): Promise<unknown>; releaseConnection(c: unknown): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    return await fn(conn);
  } finally {
    await client.releaseConnection(conn);
  }
}

/** The connection a knex transaction holds. */
export const knexConnection = (t: Knex.Transaction): Promise<unknown> => (t as unknown as { client: { acquireConnection(): Promise<unknown> } }).client.acquireConnection();
