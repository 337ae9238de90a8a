import type { WorkflowRow } from '../../core/types.ts';
import type { WorkflowStatus } from '../../types.ts';
import type { Connections, Sql } from '../sql.ts';
import { apply, type Committed, LOCK, settle, type StepResult } from '../transition.ts';

/**
 * The workflow's lock as the first CTE of the step's first statement, to save that statement's
 * round trip: `WITH wf AS (${cte}) …` with `params` first; every change the statement makes must
 * depend on `wf` (e.g. `AND EXISTS (SELECT 1 FROM wf …)`), so the lock is taken before any of them.
 * The step hands the row it read back (`to_jsonb(wf)`) to `got`.
 */
export interface FusedLock {
  cte: string;
  params: unknown[];
  got(row: unknown): WorkflowRow;
}

/** The condition that makes a change of a fused statement wait for the lock, and happen only in these states. */
export const whileLocked = (...statuses: WorkflowStatus[]) => `EXISTS (SELECT 1 FROM wf WHERE wf.status IN (${statuses.map((s) => `'${s}'`).join(', ')}))`;

/**
 * A fused statement: `WITH wf AS (lock), ${ctes} SELECT …` returning the locked row and the rows of
 * `union` (one or more `SELECT '<part>' AS part, NULL::jsonb, …` branches with the given columns).
 */
export async function lockedRows<R>(sql: Sql, lock: FusedLock, ctes: string, columns: Record<string, string>, union: string, params: unknown[]) {
  const nulls = Object.entries(columns)
    .map(([c, type]) => `NULL::${type} AS ${c}`)
    .join(', ');
  const rows = await sql.all<R & { part: string }>(`WITH wf AS (${lock.cte}), ${ctes} SELECT 'wf' AS part, to_jsonb(wf) AS wf, ${nulls} FROM wf UNION ALL ${union}`, [
    ...lock.params,
    ...params,
  ]);
  const wf = lock.got((rows.find((r) => r.part === 'wf') as { wf?: unknown } | undefined)?.wf);
  return { wf, rows: rows.filter((r) => r.part !== 'wf') };
}

/** A transition whose step takes the lock itself, in its first statement (see FusedLock). */
export function fusedTransition<T>(
  conns: Connections,
  now: () => number,
  workflowId: string,
  step: (sql: Sql, at: number, lock: FusedLock) => Promise<StepResult<T>>,
  reserve = 0,
): Promise<Committed<T>> {
  return settle(() =>
    conns.transaction(async (sql) => {
      const at = now();
      const unfused = () => Promise.reject(new Error('a fused step locks in its statement'));
      return apply(sql, at, workflowId, reserve, unfused, (got) => step(sql, at, { cte: LOCK, params: [at, reserve, workflowId], got }));
    }),
  );
}
