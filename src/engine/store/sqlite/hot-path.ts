import { fromJson } from '../../../db/sql.ts';
import { decide } from '../../core/index.ts';
import type { Clock } from '../../types.ts';
import { completionStep, type CompletionItem } from '../complete-step.ts';
import { READY_RETURNING, type HotPath, toReady } from '../hot-path.ts';
import { CLAIM_RETURNING, type ClaimRow, claimedById, countdown, type DependentRow, holdRoots } from '../rows.ts';
import type { Connections, Sql } from '../sql.ts';
import { sqlTransition } from '../transition.ts';

const ROOTS = `UPDATE tasks SET status = 'READY', updated_at = ? WHERE workflow_id = ? AND status = 'PENDING' AND remaining_deps = 0 RETURNING ${READY_RETURNING}`;
const CLAIM = `UPDATE tasks SET status = 'RUNNING', lease = ?, attempts = attempts + 1, started_at = ?, updated_at = ?
  WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('READY', 'RUNNING') RETURNING ${CLAIM_RETURNING}`;
const COMPLETE = `UPDATE tasks SET status = 'COMPLETED', lease = NULL, output = ?, error = NULL, completed_at = ?, updated_at = ?,
    duration_ms = ?, input_tokens = ?, output_tokens = ?
  WHERE id = ? AND lease = ? AND status = 'RUNNING' RETURNING id, dependents`;
// Atomic per row: of two dependencies finishing at once, exactly one sees the count reach zero; a
// dependent whose count reaches zero is claimed at once, RUNNING under the completion's lease (SET
// sees the old row). One statement per distinct count (usually one).
const REACHED = `remaining_deps = ? AND status = 'PENDING'`;
const COUNT_DOWN = `UPDATE tasks SET remaining_deps = remaining_deps - ?,
    status = CASE WHEN ${REACHED} THEN 'RUNNING' ELSE status END,
    lease = CASE WHEN ${REACHED} THEN ? ELSE lease END,
    attempts = CASE WHEN ${REACHED} THEN attempts + 1 ELSE attempts END,
    started_at = CASE WHEN ${REACHED} THEN ? ELSE started_at END, updated_at = ?
  WHERE workflow_id = ? AND key IN (SELECT value FROM json_each(?))
  RETURNING id, key, agent, order_index, status, remaining_deps, description, depends_on, attempts, approval`;

/**
 * SQLite runs in this process: a prepared statement per row costs microseconds, while its planner
 * would join UPDATE … FROM json_each() by scanning the tasks once per row.
 */
async function completeRows(sql: Sql, workflowId: string, items: CompletionItem[], at: number, lease: string) {
  const completed: Array<{ id: string; dependents: unknown }> = [];
  for (const { task, outcome } of items) {
    completed.push(
      ...(await sql.all<{ id: string; dependents: unknown }>(COMPLETE, [
        outcome.output,
        at,
        at,
        outcome.durationMs,
        outcome.usage.input,
        outcome.usage.output,
        task.taskId,
        task.lease,
      ])),
    );
  }
  const counts = new Map<string, number>();
  for (const row of completed) for (const k of fromJson<string[]>(row.dependents)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const byCount = new Map<number, string[]>();
  for (const [k, n] of counts) (byCount.get(n) ?? byCount.set(n, []).get(n)!).push(k);
  const updated: DependentRow[] = [];
  for (const [n, keys] of byCount) updated.push(...(await sql.all<DependentRow>(COUNT_DOWN, [n, n, n, lease, n, n, at, at, workflowId, JSON.stringify(keys)])));
  return countdown(workflowId, completed, updated);
}

/** The SQLite adapter's hot path: the lock is its own statement, then the step's (each microseconds in process). */
export function sqliteHotPath(conns: Connections, clock: Clock): HotPath {
  const now = () => clock.now();
  return {
    start: (id, policy) =>
      sqlTransition(conns, now, id, async (sql, wf, at) => {
        const d = decide.start(wf, wf.status === 'PLANNED' ? toReady(await sql.all(ROOTS, [at, id])) : [], at, policy);
        await holdRoots(sql, d);
        return { value: d.ready, events: d.events, patch: d.patch };
      }),
    claim: (workflowId, tasks, lease) =>
      sqlTransition(
        conns,
        now,
        workflowId,
        async (sql, wf, at) => {
          if (!decide.claimable(wf)) return { value: new Map() };
          const claimed = claimedById(tasks, wf, await sql.all<ClaimRow>(CLAIM, [lease, at, at, JSON.stringify(tasks.map((t) => t.taskId))]), lease);
          return { value: claimed, events: decide.claimed(claimed.values()) };
        },
        tasks.length,
      ),
    completeAndClaim: (workflowId, items, ctx) =>
      sqlTransition(conns, now, workflowId, async (sql, wf, at) => {
        const counted = decide.completable(wf) ? await completeRows(sql, workflowId, items, at, ctx.lease) : { ready: new Map(), claimable: new Map() };
        return completionStep(sql, wf, items, counted, at, ctx);
      }),
  };
}
