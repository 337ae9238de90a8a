import { decide } from '../../core/index.ts';
import type { Clock } from '../../types.ts';
import { completionStep, type CompletionItem } from '../complete-step.ts';
import { READY_RETURNING, type HotPath, toReady } from '../hot-path.ts';
import { CLAIM_RETURNING, type ClaimRow, claimedById, countdown, type DependentRow, holdRoots } from '../rows.ts';
import type { Connections, Sql } from '../sql.ts';
import { type FusedLock, fusedTransition, lockedRows, whileLocked } from './fused.ts';

/**
 * The PostgreSQL adapter's hot path: each transition's first statement takes the workflow's lock in
 * a CTE (see FusedLock), so a start, a claim or a completion is one round trip plus its commit.
 */

const roots = `r AS (UPDATE tasks SET status = 'READY', updated_at = ? WHERE workflow_id = ? AND status = 'PENDING' AND remaining_deps = 0
  AND ${whileLocked('PLANNED')} RETURNING ${READY_RETURNING})`;
const ROOT_COLUMNS = { id: 'uuid', workflow_id: 'uuid', key: 'text', agent: 'text', order_index: 'int', approval: 'text' };

const claimSql = (guard: string) => `UPDATE tasks SET status = 'RUNNING', lease = ?, attempts = attempts + 1, started_at = ?, updated_at = ?
  WHERE id = ANY(?) AND status IN ('READY', 'RUNNING')${guard} RETURNING ${CLAIM_RETURNING}`;
const CLAIM_COLUMNS = { id: 'uuid', description: 'text', depends_on: 'jsonb', attempts: 'int', approval: 'text', output: 'text', feedback: 'text' };

const DONE_COLUMNS = { tid: 'uuid', tlease: 'text', toutput: 'text', tms: 'int', tin: 'int', tout: 'int' };
// Atomic per row: of two dependencies finishing at once in two transactions, exactly one sees the
// count reach zero; that dependent is claimed at once, RUNNING under the completion's lease.
const REACHED = `remaining_deps = c.n AND status = 'PENDING'`;
const COMPLETE_CTES = `done AS (UPDATE tasks SET status = 'COMPLETED', lease = NULL, output = d.toutput, error = NULL, completed_at = ?, updated_at = ?,
      duration_ms = d.tms, input_tokens = d.tin, output_tokens = d.tout
    FROM jsonb_to_recordset(?::jsonb) AS d(${Object.entries(DONE_COLUMNS)
      .map(([c, t]) => `${c} ${t}`)
      .join(', ')})
    WHERE tasks.id = d.tid AND tasks.lease = d.tlease AND tasks.status = 'RUNNING' AND ${whileLocked('EXECUTING', 'PAUSED')}
    RETURNING tasks.id, tasks.dependents),
  c AS (SELECT k, count(*)::int AS n FROM done, jsonb_array_elements_text(done.dependents) AS k GROUP BY k),
  upd AS (UPDATE tasks SET remaining_deps = remaining_deps - c.n,
      status = CASE WHEN ${REACHED} THEN 'RUNNING' ELSE status END,
      lease = CASE WHEN ${REACHED} THEN ? ELSE lease END,
      attempts = CASE WHEN ${REACHED} THEN attempts + 1 ELSE attempts END,
      started_at = CASE WHEN ${REACHED} THEN ? ELSE started_at END, updated_at = ?
    FROM c WHERE tasks.workflow_id = ? AND tasks.key = c.k
    RETURNING tasks.id, tasks.key, tasks.agent, tasks.order_index, tasks.status, tasks.remaining_deps, tasks.description, tasks.depends_on, tasks.attempts, tasks.approval)`;
const COMPLETE_COLUMNS = {
  id: 'uuid',
  dependents: 'jsonb',
  key: 'text',
  agent: 'text',
  order_index: 'int',
  status: 'text',
  remaining_deps: 'int',
  description: 'text',
  depends_on: 'jsonb',
  attempts: 'int',
  approval: 'text',
};
const COMPLETE_UNION = `SELECT 'done', NULL::jsonb, id, dependents, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM done
  UNION ALL SELECT 'dep', NULL::jsonb, id, NULL, key, agent, order_index, status, remaining_deps, description, depends_on, attempts, approval FROM upd`;

/**
 * One statement, the lock included: the tasks change only once it is taken (they depend on wf),
 * and the rows changed are disjoint (a dependent of a task being completed is still PENDING).
 */
async function completeRows(sql: Sql, lock: FusedLock, workflowId: string, items: CompletionItem[], at: number, lease: string) {
  const done = JSON.stringify(
    items.map(({ task, outcome }) => ({
      tid: task.taskId,
      tlease: task.lease,
      toutput: outcome.output,
      tms: outcome.durationMs,
      tin: outcome.usage.input,
      tout: outcome.usage.output,
    })),
  );
  type Row = DependentRow & { dependents: unknown; part: string };
  const { wf, rows } = await lockedRows<Row>(sql, lock, COMPLETE_CTES, COMPLETE_COLUMNS, COMPLETE_UNION, [at, at, done, lease, at, at, workflowId]);
  return {
    wf,
    counted: countdown(
      workflowId,
      rows.filter((r) => r.part === 'done'),
      rows.filter((r) => r.part === 'dep'),
    ),
  };
}

export function pgHotPath(conns: Connections, clock: Clock): HotPath {
  const now = () => clock.now();
  return {
    start: (id, policy, written) =>
      fusedTransition(conns, now, id, async (sql, at, lock) => {
        const { wf, rows } = await lockedRows<Record<string, unknown>>(sql, lock, roots, ROOT_COLUMNS, `SELECT 'task', NULL::jsonb, ${READY_RETURNING} FROM r`, [at, id]);
        const d = decide.start(wf, toReady(rows), at, policy);
        await holdRoots(sql, d);
        if (written && d.ready.length > 0) written(d.ready);
        return { value: d.ready, events: d.events, patch: d.patch };
      }),
    claim: (workflowId, tasks, lease, written) =>
      fusedTransition(
        conns,
        now,
        workflowId,
        async (sql, at, lock) => {
          const ids = tasks.map((t) => t.taskId);
          const { wf, rows: first } = await lockedRows<ClaimRow>(
            sql,
            lock,
            `c AS (${claimSql(` AND ${whileLocked('EXECUTING')}`)})`,
            CLAIM_COLUMNS,
            `SELECT 'task', NULL::jsonb, ${CLAIM_RETURNING} FROM c`,
            [lease, at, at, ids],
          );
          const rows: ClaimRow[] = first;
          // The fused statement sees the tasks as they were when it began: if it waited for the lock,
          // a task that the lock's holder made READY meanwhile (a start queues its roots before it
          // commits) did not match. Holding the lock now, a second statement sees it.
          if (decide.claimable(wf) && rows.length < tasks.length) {
            const got = new Set(rows.map((r) => r.id));
            rows.push(...(await sql.all<ClaimRow>(claimSql(''), [lease, at, at, ids.filter((id) => !got.has(id))])));
          }
          const claimed = claimedById(tasks, wf, rows, lease);
          // Each claimed task's runner may start its model call now, while the claim commits.
          written?.(claimed);
          return { value: claimed, events: decide.claimed(claimed.values()) };
        },
        tasks.length,
      ),
    completeAndClaim: (workflowId, items, ctx) =>
      fusedTransition(conns, now, workflowId, async (sql, at, lock) => {
        const { wf, counted } = await completeRows(sql, lock, workflowId, items, at, ctx.lease);
        return completionStep(sql, wf, items, counted, at, ctx);
      }),
  };
}
