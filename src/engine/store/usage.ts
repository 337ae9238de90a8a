import { num } from '../../db/sql.ts';
import { toStorableText } from '../../text.ts';
import { admit, budget as core, decide, type Budget, type EnginePolicy, type UsageTotals, type WorkflowPatch, type WorkflowRow } from '../core/index.ts';
import { add } from '../core/types.ts';
import type { CallUsage, Clock, ReadyTask } from '../types.ts';
import { createBatcher } from './batcher.ts';
import { aggregate } from './rows.ts';
import type { Connections, Sql } from './sql.ts';
import { type Committed, sqlTransition, type StepResult } from './transition.ts';

const CALL_COLUMNS = {
  id: 'uuid',
  workflow_id: 'uuid',
  task_id: 'uuid',
  attempt: 'int',
  agent: 'text',
  model: 'text',
  input_tokens: 'bigint',
  output_tokens: 'bigint',
  cost_usd: 'float8',
  priced: 'boolean',
  estimated: 'boolean',
  started_at: 'bigint',
  updated_at: 'bigint',
};
const NAMES = Object.keys(CALL_COLUMNS).join(', ');
const INSERT_ONE = `INSERT INTO model_calls (${NAMES}) VALUES (${Object.keys(CALL_COLUMNS)
  .map(() => '?')
  .join(', ')})`;

/** Parts of one call recorded together become one delta (a statement may not touch a row twice). */
export function mergeCalls(calls: readonly CallUsage[]): CallUsage[] {
  const byId = new Map<string, CallUsage>();
  for (const c of calls) {
    const seen = byId.get(c.callId);
    if (!seen) byId.set(c.callId, { ...c });
    else
      Object.assign(seen, { input: seen.input + c.input, output: seen.output + c.output, costUsd: seen.costUsd + c.costUsd, estimated: c.estimated, first: seen.first && c.first });
  }
  return [...byId.values()];
}

export const sumCalls = (calls: readonly CallUsage[]): UsageTotals =>
  calls.reduce((s, c) => ({ inputTokens: s.inputTokens + c.input, outputTokens: s.outputTokens + c.output, costUsd: s.costUsd + c.costUsd }), { ...core.NO_USAGE });

/** The workflow's patch that adds these totals to its counters. */
export const addUsage = (u: UsageTotals): WorkflowPatch => ({ inputTokens: add(u.inputTokens), outputTokens: add(u.outputTokens), costUsd: add(u.costUsd) });

/**
 * Adds each call's delta to its row (created by its first part): one statement, SQL both databases
 * accept (`WHERE true` lets SQLite parse the upsert of a SELECT).
 */
export async function storeCalls(sql: Sql, calls: readonly CallUsage[], at: number): Promise<void> {
  if (calls.length === 0) return;
  // The common case (a completion of one task whose call was never recorded before): one plain row,
  // a statement both databases prepare once and run without unpacking JSON (booleans as 1/0: both accept them).
  if (calls.length === 1 && calls[0]!.first) {
    const c = calls[0]!;
    await sql.run(INSERT_ONE, [
      c.callId,
      c.workflowId,
      c.taskId,
      c.attempt,
      c.agent,
      c.model,
      c.input,
      c.output,
      c.costUsd,
      c.priced ? 1 : 0,
      c.estimated ? 1 : 0,
      c.startedAt,
      at,
    ]);
    return;
  }
  const rows = calls.map((c) => ({
    id: c.callId,
    workflow_id: c.workflowId,
    task_id: c.taskId,
    attempt: c.attempt,
    agent: c.agent,
    model: c.model,
    input_tokens: c.input,
    output_tokens: c.output,
    cost_usd: c.costUsd,
    priced: c.priced,
    estimated: c.estimated,
    started_at: c.startedAt,
    updated_at: at,
  }));
  const [from, param] = sql.jsonRows('c', CALL_COLUMNS, rows);
  await sql.run(
    `INSERT INTO model_calls (${NAMES}) SELECT ${NAMES} FROM ${from} WHERE true
     ON CONFLICT (id) DO UPDATE SET input_tokens = model_calls.input_tokens + excluded.input_tokens,
       output_tokens = model_calls.output_tokens + excluded.output_tokens, cost_usd = model_calls.cost_usd + excluded.cost_usd,
       estimated = excluded.estimated, updated_at = excluded.updated_at`,
    [param],
  );
}

/** What a usage record decided: whether calls in flight must stop (in every process), and what it made READY (a resume). */
export interface UsageOutcome {
  abort: boolean;
  /** The workflow had ended, or its budget had paused it, before this record: the recording process's calls of it must stop. */
  stale?: boolean;
  ready: ReadyTask[];
}

/**
 * A call still recording for a workflow that has ended, or that its budget paused, missed the
 * broadcast that aborted it (Redis was down): its process aborts it at this record (within a second).
 */
const stale = (wf: WorkflowRow) =>
  wf.status === 'FAILED' || wf.status === 'CANCELLED' || wf.status === 'COMPLETED' || (wf.status === 'PAUSED' && (wf.budgetState & core.PAUSED_BY_BUDGET) !== 0);

type UnfinishedRow = { id: string; key: string; agent: string; order_index: unknown; status: string };

/**
 * The budget's decision under the workflow's lock, with `usage` the larger of the stored total (as
 * the patch leaves it) and the live one: warnings, a stop or a pause, written with the events.
 */
async function decideBudget(sql: Sql, wf: WorkflowRow, usage: UsageTotals, at: number, patch: WorkflowPatch): Promise<StepResult<UsageOutcome>> {
  const crossed = core.crossed(wf.budget, usage) !== null && (wf.budgetState & core.PAUSED_BY_BUDGET) === 0;
  const rows = crossed
    ? await sql.all<UnfinishedRow>(
        `SELECT id, key, agent, order_index, status FROM tasks WHERE workflow_id = ? AND status IN ('PENDING', 'READY', 'RUNNING', 'AWAITING_APPROVAL', 'AWAITING_REVIEW')`,
        [wf.id],
      )
    : [];
  const d = core.afterUsage(
    wf,
    usage,
    rows.map((r) => ({ id: r.id, key: r.key, agent: r.agent, orderIndex: num(r.order_index), status: r.status })),
  );
  if (d.cancelled.length > 0) {
    const [ids, list] = sql.inList('id', d.cancelled);
    await sql.run(`UPDATE tasks SET status = 'CANCELLED', lease = NULL, completed_at = ?, updated_at = ? WHERE ${ids}`, [at, at, list]);
  }
  if (d.released.length > 0) {
    const [ids, list] = sql.inList('id', d.released);
    await sql.run(
      `UPDATE tasks SET status = 'READY', lease = NULL, started_at = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, updated_at = ? WHERE ${ids} AND status = 'RUNNING'`,
      [at, list],
    );
  }
  const merged = { ...patch, ...d.patch };
  if (!d.ends) return { value: { abort: d.abort, stale: stale(wf), ready: [] }, events: d.events, patch: merged };
  const error = toStorableText(d.patch.error ?? 'BUDGET_EXCEEDED');
  const end = decide.finished(d.ends, await aggregate(sql, wf, at), error, at);
  return { value: { abort: d.abort, ready: [] }, events: [...d.events, ...end.events], patch: { ...merged, ...end.patch, error } };
}

/**
 * Usage transitions (issue #15): a call's parts recorded while it streams (and when it ends
 * without an outcome), the budget's decisions, and setBudget. SQL both databases accept.
 */
export function usageTransitions(conns: Connections, clock: Clock, policy: EnginePolicy) {
  const now = () => clock.now();

  const recordBatched = createBatcher<{ calls: CallUsage[]; live?: UsageTotals }, Committed<UsageOutcome>>(async (workflowId, items) => {
    const calls = mergeCalls(items.flatMap((i) => i.calls));
    const live = items.reduce<UsageTotals | undefined>((m, i) => (i.live ? (m ? core.atLeast(m, i.live) : i.live) : m), undefined);
    const c = await sqlTransition<UsageOutcome>(conns, now, workflowId, async (sql, wf, at) => {
      await storeCalls(sql, calls, at);
      const delta = sumCalls(calls);
      const stored = core.plus(wf.usage, delta);
      return decideBudget(sql, wf, live ? core.atLeast(live, stored) : stored, at, addUsage(delta));
    });
    // The first caller publishes the events; every caller learns whether to abort.
    return items.map((_, i) => (i === 0 ? c : { ...c, events: [], statusChanged: false }));
  });

  return {
    /**
     * Records calls' parts (adds them to the call rows and the workflow's totals) and lets the
     * budget decide with the larger of the stored total and `live` (the total every process adds
     * to as chunks arrive). Records of one workflow made together are one transaction.
     */
    recordUsage(workflowId: string, calls: CallUsage[], live?: UsageTotals): Promise<Committed<UsageOutcome>> {
      return recordBatched(workflowId, { calls, live });
    },

    /**
     * setBudget: the new limits at once. A workflow the budget paused resumes when they leave room
     * (its READY tasks returned, to queue); one over its new limits is stopped or paused now.
     */
    setBudget(workflowId: string, budget: Budget | null): Promise<Committed<UsageOutcome>> {
      return sqlTransition<UsageOutcome>(conns, now, workflowId, async (sql, wf, at) => {
        const s = core.setBudget(wf, budget, wf.usage);
        const after: WorkflowRow = { ...wf, budget, budgetState: s.patch.budgetState ?? wf.budgetState, status: s.patch.status ?? wf.status };
        const d = await decideBudget(sql, after, wf.usage, at, s.patch);
        if (!s.resumes) return { value: d.value, events: [...s.events, ...(d.events ?? [])], patch: d.patch };
        // Resumed: the READY tasks run, and those the budget held (PENDING, nothing left to wait for) are admitted again.
        const rows = await sql.all<{ id: string; key: string; agent: string; order_index: unknown; approval: string; status: string }>(
          `SELECT id, key, agent, order_index, approval, status FROM tasks WHERE workflow_id = ? AND (status = 'READY' OR (status = 'PENDING' AND remaining_deps = 0)) ORDER BY order_index`,
          [workflowId],
        );
        const toReady = (r: (typeof rows)[number]): ReadyTask => ({
          taskId: r.id,
          workflowId,
          key: r.key,
          agent: r.agent,
          orderIndex: num(r.order_index),
          approval: r.approval as ReadyTask['approval'],
        });
        const held = admit(policy, after, rows.filter((r) => r.status === 'PENDING').map(toReady));
        for (const [list, to] of [
          [held.ready, 'READY'],
          [held.awaiting, 'AWAITING_APPROVAL'],
        ] as const) {
          if (list.length === 0) continue;
          const [ids, param] = sql.inList(
            'id',
            list.map((r) => r.taskId),
          );
          await sql.run(`UPDATE tasks SET status = '${to}', updated_at = ? WHERE ${ids}`, [at, param]);
        }
        const ready = [...rows.filter((r) => r.status === 'READY').map(toReady), ...held.ready];
        return { value: { abort: d.value.abort, ready }, events: [...s.events, ...held.waits, ...(d.events ?? [])], patch: d.patch };
      });
    },
  };
}
