import { fromJson, num } from '../../db/sql.ts';
import type { WorkflowRow } from '../core/types.ts';
import type { ApprovalMode, ClaimedTask, ReadyTask, TaskStatus, UsageEntry, WorkflowResults } from '../types.ts';
import type { Sql } from './sql.ts';

/** A dependent as the countdown of a completion returns it. */
export interface DependentRow {
  id: string;
  key: string;
  agent: string;
  order_index: unknown;
  status: string;
  remaining_deps: unknown;
  /** A dependent the countdown claimed (RUNNING under the completion's lease). */
  description?: string;
  depends_on?: unknown;
  attempts?: unknown;
  approval?: string;
}

/** What a completion's statements found: per completed task (whose lease held), the dependents it made runnable, claimed under the lease. */
export interface Countdown {
  ready: Map<string, ReadyTask[]>;
  claimable: Map<string, DependentRow>;
}

/** The columns a claim returns. */
export const CLAIM_RETURNING = 'id, description, depends_on, attempts, approval, output, feedback';
export type ClaimRow = { id: string; description: string; depends_on: unknown; attempts: unknown; approval?: string; output?: string | null; feedback?: string | null };

/** A claimed task as its runner needs it, from the row the claim returned. */
export function toClaimed(
  task: ReadyTask,
  wf: WorkflowRow,
  row: { description?: string; depends_on?: unknown; attempts?: unknown; approval?: string; output?: string | null; feedback?: string | null },
  lease: string,
): ClaimedTask {
  // Written out: V8 builds `{ ...ref(task), …seven more }` about ten times slower (a 1→500 fan-out
  // claims 500 of these in one transaction).
  const claimed: ClaimedTask = {
    taskId: task.taskId,
    key: task.key,
    agent: task.agent,
    workflowId: wf.id,
    tenant: wf.tenant,
    description: row.description!,
    request: wf.description,
    dependsOn: fromJson<string[]>(row.depends_on),
    attempt: num(row.attempts),
    lease,
    approval: (row.approval ?? task.approval) as ApprovalMode | undefined,
    budget: wf.budget,
    usage: wf.usage,
  };
  // A run asked for by requestChanges: its prompt carries the previous output and the feedback.
  if (row.feedback != null) claimed.revision = { output: row.output ?? '', feedback: row.feedback };
  return claimed;
}

/** The claimed tasks among `tasks`, by id, in the order asked. */
export function claimedById(tasks: ReadyTask[], wf: WorkflowRow, rows: ClaimRow[], lease: string): Map<string, ClaimedTask> {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const claimed = new Map<string, ClaimedTask>();
  for (const task of tasks) {
    const row = byId.get(task.taskId);
    if (row) claimed.set(task.taskId, toClaimed(task, wf, row, lease));
  }
  return claimed;
}

/** From the rows a completion changed: per completed task, the dependents it made runnable (in plan order), which the countdown claimed. */
export function countdown(workflowId: string, completed: Array<{ id: string; dependents: unknown }>, updated: DependentRow[]): Countdown {
  const ready = new Map<string, ReadyTask[]>();
  const madeReadyBy = new Map<string, string>(); // dependent key -> the completed task that counted last
  for (const row of completed) {
    ready.set(row.id, []);
    for (const k of fromJson<string[]>(row.dependents)) madeReadyBy.set(k, row.id);
  }
  const claimable = new Map<string, DependentRow>();
  for (const r of updated.sort((x, y) => num(x.order_index) - num(y.order_index))) {
    if (r.status !== 'RUNNING' || num(r.remaining_deps) !== 0) continue; // made runnable, and claimed, by this transaction
    ready
      .get(madeReadyBy.get(r.key)!)!
      .push({ taskId: r.id, workflowId, key: r.key, agent: r.agent, orderIndex: num(r.order_index), approval: r.approval as ApprovalMode | undefined });
    claimable.set(r.id, r);
  }
  return { ready, claimable };
}

/** Tasks the countdown claimed that are not to run here: back to READY (queued), PENDING (held) or AWAITING_APPROVAL, their attempt given back. */
export async function giveBack(sql: Sql, tasks: ReadyTask[], lease: string, to: 'READY' | 'PENDING' | 'AWAITING_APPROVAL') {
  if (tasks.length === 0) return;
  const [ids, list] = sql.inList(
    'id',
    tasks.map((r) => r.taskId),
  );
  await sql.run(`UPDATE tasks SET status = '${to}', lease = NULL, attempts = attempts - 1, started_at = NULL WHERE ${ids} AND lease = ?`, [list, lease]);
}

/** Roots a start made READY that the policy holds: PENDING again (or AWAITING_APPROVAL), with no remaining dependencies. */
export async function holdRoots(sql: Sql, d: { held: ReadyTask[]; awaiting: ReadyTask[] }) {
  for (const [tasks, to] of [
    [d.held, 'PENDING'],
    [d.awaiting, 'AWAITING_APPROVAL'],
  ] as const) {
    if (tasks.length === 0) continue;
    const [ids, list] = sql.inList(
      'id',
      tasks.map((r) => r.taskId),
    );
    await sql.run(`UPDATE tasks SET status = '${to}' WHERE ${ids} AND status = 'READY'`, [list]);
  }
}

/** The run's results, for its completed or failed event. */
export async function aggregate(sql: Sql, wf: WorkflowRow, at: number): Promise<WorkflowResults> {
  // Rows as the driver returns them (bigint columns are strings from PostgreSQL).
  const rows = await sql.all<{
    key: string;
    agent: string;
    description: string;
    status: string;
    output: string | null;
    error: string | null;
    duration_ms: number | string | null;
    attempts: number | string;
  }>(`SELECT key, agent, description, status, output, error, duration_ms, attempts FROM tasks WHERE workflow_id = ? ORDER BY order_index`, [wf.id]);
  const usage = await usageGroups(sql, wf.id);
  const sum = (k: 'inputTokens' | 'outputTokens' | 'costUsd') => usage.reduce((s, g) => s + g[k], 0);
  return {
    tasks: rows.map((r) => ({
      key: r.key,
      agent: r.agent,
      description: r.description,
      status: r.status as TaskStatus,
      output: r.output,
      error: r.error,
      durationMs: r.duration_ms == null ? null : num(r.duration_ms),
      attempts: num(r.attempts),
    })),
    totals: {
      durationMs: wf.startedAt == null ? null : at - wf.startedAt,
      tasks: rows.length,
      completed: rows.filter((r) => r.status === 'COMPLETED').length,
      inputTokens: sum('inputTokens'),
      outputTokens: sum('outputTokens'),
      totalTokens: sum('inputTokens') + sum('outputTokens'),
      costUsd: roundUsd(sum('costUsd')),
      byAgent: group(usage, 'agent'),
      byModel: group(usage, 'model'),
    },
  };
}

type UsageGroup = { agent: string; model: string; inputTokens: number; outputTokens: number; costUsd: number; calls: number };

/** The workflow's model calls summed by agent and model (what the results break down). */
async function usageGroups(sql: Sql, workflowId: string): Promise<UsageGroup[]> {
  const rows = await sql.all<Record<string, unknown>>(
    `SELECT agent, model, SUM(input_tokens) AS i, SUM(output_tokens) AS o, SUM(cost_usd) AS c, COUNT(*) AS n FROM model_calls WHERE workflow_id = ? GROUP BY agent, model ORDER BY agent, model`,
    [workflowId],
  );
  return rows.map((r) => ({ agent: String(r.agent), model: String(r.model), inputTokens: num(r.i), outputTokens: num(r.o), costUsd: Number(r.c ?? 0), calls: num(r.n) }));
}

/** Float sums of prices must not read 0.30000000000000004. */
export const roundUsd = (usd: number) => Math.round(usd * 1e8) / 1e8;

function group<K extends 'agent' | 'model'>(rows: UsageGroup[], by: K): Array<UsageEntry & Record<K, string>> {
  const out = new Map<string, UsageEntry & Record<K, string>>();
  for (const r of rows) {
    const e = out.get(r[by]) ?? ({ [by]: r[by], inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0, calls: 0 } as unknown as UsageEntry & Record<K, string>);
    e.inputTokens += r.inputTokens;
    e.outputTokens += r.outputTokens;
    e.totalTokens += r.inputTokens + r.outputTokens;
    e.costUsd = roundUsd(e.costUsd + r.costUsd);
    e.calls += r.calls;
    out.set(r[by], e);
  }
  return [...out.values()];
}

/** The workflow's error as stored (its first failure's), for its failed event. */
export async function workflowError(sql: Sql, id: string): Promise<string | null> {
  const [row] = await sql.all<{ error: string | null }>('SELECT error FROM workflows WHERE id = ?', [id]);
  return row?.error ?? null;
}
