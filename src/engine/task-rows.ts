import type { Sql } from '../db/raw.ts';
import { inList, jsonRows } from '../db/raw.ts';
import { fromJson, num } from '../db/sql.ts';
import { draft, type EventDraft, type FusedLock, lockedRows, whileLocked, type WorkflowLockRow } from './transition.ts';
import type { ClaimedTask, ReadyTask, TaskOutcome, TaskStatus, WorkflowResults } from './types.ts';
import { progress } from './workflow-store.ts';

/**
 * The statements of task claims and completions, inside a workflow's transaction (the store
 * decides when and in what transaction; these only read and write rows).
 */

/** The rows of a batch of completions, as `completeMany` passes them. */
const DONE_COLUMNS = { tid: 'uuid', tlease: 'text', toutput: 'text', tms: 'int', tin: 'int', tout: 'int' };

interface DoneRow {
  id: string;
  dependents: unknown;
}
export interface DependentRow {
  id: string;
  key: string;
  agent: string;
  order_index: unknown;
  status: string;
  remaining_deps: unknown;
  /** PostgreSQL: a dependent the countdown claimed (RUNNING under `lease`). */
  description?: string;
  depends_on?: unknown;
  attempts?: unknown;
}

export const ref = (task: { taskId: string; key: string; agent: string }) => ({ taskId: task.taskId, key: task.key, agent: task.agent });

/** A claimed task as its runner needs it, from the row the claim returned. */
function toClaimed(task: ReadyTask, wf: WorkflowLockRow, row: { description?: string; depends_on?: unknown; attempts?: unknown }, lease: string): ClaimedTask {
  // Written out: V8 builds `{ ...ref(task), …seven more }` about ten times slower (a 1→500 fan-out
  // claims 500 of these in one transaction).
  return {
    taskId: task.taskId, key: task.key, agent: task.agent, workflowId: wf.id, tenant: wf.tenant, description: row.description!, request: wf.description,
    dependsOn: fromJson<string[]>(row.depends_on), attempt: num(row.attempts), lease,
  };
}

/** Ends the run if every task is final; returns the events and patch that says so. */
export async function finishIfDone(sql: Sql, wf: WorkflowLockRow, finished: number, completed: number, failed: number, at: number) {
  const patch: Record<string, unknown> = { finished_tasks: finished, completed_tasks: completed, failed_tasks: failed };
  const events: EventDraft[] = [draft('progress', progress(completed, wf.totalTasks))];
  if (finished < wf.totalTasks) return { patch, events };
  const results = await aggregate(sql, wf, at);
  patch.results = JSON.stringify(results);
  patch.completed_at = at;
  if (failed === 0) {
    patch.status = 'COMPLETED';
    events.push(draft('completed', { results }));
  } else {
    patch.status = 'FAILED';
    const [row] = await sql.all<{ error: string | null }>('SELECT error FROM workflows WHERE id = ?', [wf.id]);
    events.push(draft('failed', { error: row?.error ?? `${failed} task(s) failed` }));
  }
  return { patch, events };
}

/**
 * READY (or RUNNING) -> RUNNING with a new lease, for the given tasks; the claimed ones by id.
 * Given a FusedLock instead of the locked row (PostgreSQL), it takes the lock in the same statement
 * and claims only if the workflow is EXECUTING; it returns the row it locked.
 */
export async function claimRows(sql: Sql, locked: WorkflowLockRow | FusedLock, tasks: ReadyTask[], statuses: string, at: number, lease: string) {
  const [ids, list] = inList(sql.dialect, 'id', tasks.map((r) => r.taskId));
  const lock = 'cte' in locked ? locked : undefined;
  const claim = (guard: string) => `UPDATE tasks SET status = 'RUNNING', lease = ?, attempts = attempts + 1, started_at = ?, updated_at = ?
     WHERE ${ids} AND status IN (${statuses})${guard}
     RETURNING id, description, depends_on, attempts`;
  type Row = { id: string; description: string; depends_on: unknown; attempts: unknown };
  let rows: Row[];
  let wf: WorkflowLockRow;
  if (lock) {
    ({ wf, rows } = await lockedRows<Row>(sql, lock, `c AS (${claim(` AND ${whileLocked('EXECUTING')}`)})`, { id: 'uuid', description: 'text', depends_on: 'jsonb', attempts: 'int' },
      `SELECT 'task', NULL::jsonb, id, description, depends_on, attempts FROM c`, [lease, at, at, list]));
    // The fused statement sees the tasks as they were when it began: if it waited for the lock,
    // a task that the lock's holder made READY meanwhile (a start queues its roots before it
    // commits) did not match. Holding the lock now, a second statement sees it.
    if (wf.status === 'EXECUTING' && rows.length < tasks.length) {
      const got = new Set(rows.map((r) => r.id));
      const [, rest] = inList(sql.dialect, 'id', tasks.filter((t) => !got.has(t.taskId)).map((t) => t.taskId));
      rows.push(...(await sql.all<Row>(claim(''), [lease, at, at, rest])));
    }
  } else {
    wf = locked as WorkflowLockRow;
    rows = await sql.all<Row>(claim(''), [lease, at, at, list]);
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  const claimed = new Map<string, ClaimedTask>();
  for (const task of tasks) {
    const row = byId.get(task.taskId);
    if (row) claimed.set(task.taskId, toClaimed(task, wf, row, lease));
  }
  return { claimed, wf };
}

/**
 * Tasks RUNNING -> COMPLETED inside a transaction: the tasks, then their dependents' counters.
 * Returns, per task id whose lease still held, the dependents it made ready (in plan order), which
 * it claimed under `lease` (`claimable`: see countDown). On PostgreSQL one statement, with the
 * workflow's lock in it (`lock`), and the workflow row it read.
 */
export async function completeMany(sql: Sql, workflowId: string, items: Array<{ task: ClaimedTask; outcome: TaskOutcome }>, at: number, lease: string, lock?: FusedLock) {
  const [done, doneRows] = jsonRows(sql.dialect, 'd', DONE_COLUMNS, items.map(({ task, outcome }) => ({
    tid: task.taskId, tlease: task.lease, toutput: outcome.output, tms: outcome.durationMs, tin: outcome.usage.input, tout: outcome.usage.output,
  })));
  const completeTasks = `UPDATE tasks SET status = 'COMPLETED', lease = NULL, output = d.toutput, error = NULL, completed_at = ?, updated_at = ?,
       duration_ms = d.tms, input_tokens = d.tin, output_tokens = d.tout
     FROM ${done} WHERE tasks.id = d.tid AND tasks.lease = d.tlease AND tasks.status = 'RUNNING'${sql.dialect === 'postgresql' ? ` AND ${whileLocked('EXECUTING')}` : ''}
     RETURNING tasks.id, tasks.dependents`;
  // Atomic per row: of two dependencies finishing at once in two transactions, exactly one sees the
  // count reach zero. A dependent whose count reaches zero is claimed at once (RUNNING under
  // `lease`); the caller gives back the ones this process has no slot for (SET sees the old row).
  const reached = `remaining_deps = c.n AND status = 'PENDING'`;
  const countDown = `UPDATE tasks SET remaining_deps = remaining_deps - c.n,
       status = CASE WHEN ${reached} THEN 'RUNNING' ELSE status END,
       lease = CASE WHEN ${reached} THEN ? ELSE lease END,
       attempts = CASE WHEN ${reached} THEN attempts + 1 ELSE attempts END,
       started_at = CASE WHEN ${reached} THEN ? ELSE started_at END, updated_at = ?
     FROM c WHERE tasks.workflow_id = ? AND tasks.key = c.k
     RETURNING tasks.id, tasks.key, tasks.agent, tasks.order_index, tasks.status, tasks.remaining_deps, tasks.description, tasks.depends_on, tasks.attempts`;
  let completed: DoneRow[];
  let updated: DependentRow[];
  let wf: WorkflowLockRow | undefined;
  if (sql.dialect === 'postgresql') {
    if (!lock) throw new Error('completions on PostgreSQL take the lock in their statement');
    // One round trip, the lock included: the tasks change only once it is taken (they depend on
    // wf), and the rows changed are disjoint (a dependent of a task being completed is still PENDING).
    const columns = {
      id: 'uuid', dependents: 'jsonb', key: 'text', agent: 'text', order_index: 'int', status: 'text', remaining_deps: 'int',
      description: 'text', depends_on: 'jsonb', attempts: 'int',
    };
    const locked = await lockedRows<DoneRow & DependentRow & { part: string }>(
      sql, lock,
      `done AS (${completeTasks}),
         c AS (SELECT k, count(*)::int AS n FROM done, jsonb_array_elements_text(done.dependents) AS k GROUP BY k),
         upd AS (${countDown})`,
      columns,
      `SELECT 'done', NULL::jsonb, id, dependents, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM done
       UNION ALL SELECT 'dep', NULL::jsonb, id, NULL, key, agent, order_index, status, remaining_deps, description, depends_on, attempts FROM upd`,
      [at, at, doneRows, lease, at, at, workflowId],
    );
    wf = locked.wf;
    completed = locked.rows.filter((r) => r.part === 'done');
    updated = locked.rows.filter((r) => r.part === 'dep');
  } else {
    // SQLite runs in this process: a prepared statement per row costs microseconds, while its
    // planner would join UPDATE … FROM json_each() by scanning the tasks once per row.
    completed = [];
    for (const { task, outcome } of items) {
      completed.push(...(await sql.all<DoneRow>(
        `UPDATE tasks SET status = 'COMPLETED', lease = NULL, output = ?, error = NULL, completed_at = ?, updated_at = ?,
           duration_ms = ?, input_tokens = ?, output_tokens = ?
         WHERE id = ? AND lease = ? AND status = 'RUNNING' RETURNING id, dependents`,
        [outcome.output, at, at, outcome.durationMs, outcome.usage.input, outcome.usage.output, task.taskId, task.lease],
      )));
    }
    // One statement per distinct count (usually one): a dependent whose count reaches zero is claimed
    // at once, as on PostgreSQL; SQLite finds the keys through the (workflow_id, key) index.
    const byCount = new Map<number, string[]>();
    const counts = new Map<string, number>();
    for (const row of completed) for (const k of fromJson<string[]>(row.dependents)) counts.set(k, (counts.get(k) ?? 0) + 1);
    for (const [k, n] of counts) (byCount.get(n) ?? byCount.set(n, []).get(n)!).push(k);
    updated = [];
    const reachedN = `remaining_deps = ? AND status = 'PENDING'`;
    for (const [n, keys] of byCount) {
      updated.push(...(await sql.all<DependentRow>(
        `UPDATE tasks SET remaining_deps = remaining_deps - ?,
           status = CASE WHEN ${reachedN} THEN 'RUNNING' ELSE status END,
           lease = CASE WHEN ${reachedN} THEN ? ELSE lease END,
           attempts = CASE WHEN ${reachedN} THEN attempts + 1 ELSE attempts END,
           started_at = CASE WHEN ${reachedN} THEN ? ELSE started_at END, updated_at = ?
         WHERE workflow_id = ? AND ${inList(sql.dialect, 'key', keys)[0]}
         RETURNING id, key, agent, order_index, status, remaining_deps, description, depends_on, attempts`,
        [n, n, n, lease, n, n, at, at, workflowId, JSON.stringify(keys)],
      )));
    }
  }
  const ready = new Map<string, ReadyTask[]>();
  const madeReadyBy = new Map<string, string>(); // dependent key -> the completed task that counted last
  for (const row of completed) {
    ready.set(row.id, []);
    for (const k of fromJson<string[]>(row.dependents)) madeReadyBy.set(k, row.id);
  }
  const claimable = new Map<string, DependentRow>();
  for (const r of updated.sort((x, y) => num(x.order_index) - num(y.order_index))) {
    if (r.status !== 'RUNNING' || num(r.remaining_deps) !== 0) continue; // made ready, and claimed, by this transaction
    ready.get(madeReadyBy.get(r.key)!)!.push({ taskId: r.id, workflowId, key: r.key, agent: r.agent, orderIndex: num(r.order_index) });
    claimable.set(r.id, r);
  }
  return { ready, wf, claimable };
}

/** PostgreSQL: the dependents the countdown claimed that this process keeps (it has their slots). */
export function keptClaims(wf: WorkflowLockRow, mine: ReadyTask[], claimable: Map<string, DependentRow>, lease: string) {
  return new Map(mine.map((r) => [r.taskId, toClaimed(r, wf, claimable.get(r.taskId)!, lease)]));
}

/** PostgreSQL: the dependents the countdown claimed that this process has no slot for, back to READY. */
export async function giveBack(sql: Sql, back: ReadyTask[], lease: string) {
  const [ids, list] = inList(sql.dialect, 'id', back.map((r) => r.taskId));
  await sql.run(`UPDATE tasks SET status = 'READY', lease = NULL, attempts = attempts - 1, started_at = NULL WHERE ${ids} AND lease = ?`, [list, lease]);
}

async function aggregate(sql: Sql, wf: WorkflowLockRow, at: number): Promise<WorkflowResults> {
  // Rows as the driver returns them (bigint columns are strings from PostgreSQL).
  const rows = await sql.all<Record<string, any>>(
    `SELECT key, agent, description, status, output, error, duration_ms, attempts, input_tokens, output_tokens
     FROM tasks WHERE workflow_id = ? ORDER BY order_index`,
    [wf.id],
  );
  const tokens = rows.reduce((s, r) => ({ i: s.i + num(r.input_tokens), o: s.o + num(r.output_tokens) }), { i: 0, o: 0 });
  return {
    tasks: rows.map((r) => ({
      key: r.key, agent: r.agent, description: r.description, status: r.status as TaskStatus, output: r.output, error: r.error,
      durationMs: r.duration_ms == null ? null : num(r.duration_ms), attempts: num(r.attempts),
    })),
    totals: {
      durationMs: wf.startedAt == null ? null : at - wf.startedAt,
      tasks: rows.length,
      completed: rows.filter((r) => r.status === 'COMPLETED').length,
      inputTokens: tokens.i,
      outputTokens: tokens.o,
      totalTokens: tokens.i + tokens.o,
    },
  };
}
