import type { Knex } from '@mikro-orm/knex';

/** JSON columns come back parsed from PostgreSQL (jsonb) and as text from SQLite. */
export const fromJson = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
export const toJson = (v: unknown) => JSON.stringify(v);
/** PostgreSQL returns bigint as a string. */
export const num = (v: unknown): number => (v === null || v === undefined ? (v as unknown as number) : Number(v));
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Insert many rows in chunks that stay under SQLite's limits: bound parameters,
 * and 500 terms per compound SELECT (knex writes a multi-row SQLite insert as
 * `select … union all select …`, so more than 500 rows at once fails).
 */
export async function insertChunked(t: Knex | Knex.Transaction, table: string, rows: Record<string, unknown>[]) {
  if (rows.length === 0) return;
  const perRow = Object.keys(rows[0]!).length;
  const size = Math.max(1, Math.min(500, Math.floor(30_000 / perRow)));
  for (let i = 0; i < rows.length; i += size) await t(table).insert(rows.slice(i, i + size));
}

/**
 * Whether a write failed on a unique index (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE),
 * optionally that index: its name on PostgreSQL, its columns ("table.column") on SQLite.
 */
export function isUniqueViolation(err: unknown, index?: { name: string; columns: string[] }): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code === '23505') return !index || e.constraint === index.name;
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE') return !index || String(e.message).includes(index.columns.join(', '));
  return false;
}
