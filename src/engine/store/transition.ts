import type { Knex } from '@mikro-orm/knex';
import { fromJson, num } from '../../db/sql.ts';
import type { Budget } from '../core/budget.ts';
import { NotFoundError } from '../../errors.ts';
import type { AnyWorkflowEvent } from '../../events/types.ts';
import type { EventDraft, WorkflowPatch, WorkflowRow } from '../core/types.ts';
import type { WorkflowStatus } from '../types.ts';
import { isEmpty, updateWorkflow } from './patch.ts';
import type { Connections, Sql, Statement } from './sql.ts';

export interface StepResult<T> {
  value: T;
  events?: EventDraft[];
  /** The workflow row's change, beside last_seq and updated_at. */
  patch?: WorkflowPatch;
}

export interface Committed<T> {
  value: T;
  /** Stored events, in seq order; publish them only now that they are committed. */
  events: AnyWorkflowEvent[];
  status: WorkflowStatus;
  statusChanged: boolean;
  /** The workflow's tenant ('' when nothing was written): a status change is announced to that tenant only. */
  tenant: string;
}

export const LOCK_COLUMNS =
  'id, tenant, status, description, last_seq, total_tasks, completed_tasks, finished_tasks, failed_tasks, started_at, created_at, budget, budget_state, input_tokens, output_tokens, cost_usd';
/** Locking with an UPDATE takes the write lock at once on both databases (no SQLite lock upgrade later). */
export const LOCK = `UPDATE workflows SET updated_at = ?, last_seq = last_seq + ? WHERE id = ? RETURNING ${LOCK_COLUMNS}`;
const EVENT_COLUMNS = { workflow_id: 'uuid', seq: 'int', kind: 'text', payload: 'jsonb', at: 'bigint' };

export interface TransitionOptions {
  /** A new workflow row to insert first, in the same transaction (knex transitions only). */
  insert?: Record<string, unknown>;
  /**
   * Seqs to allocate with the lock itself. A step that then stores exactly that
   * many events and no patch saves a statement; one that stores nothing and no
   * patch is rolled back (it changed nothing).
   */
  reserve?: number;
}

type Step<S, T> = (tx: S, wf: WorkflowRow, at: number, sql: Sql) => Promise<StepResult<T>>;

/**
 * One state change of one workflow, in one transaction: lock the workflow row
 * (every writer of a workflow takes this lock first, so writers of one workflow
 * are serialized and cannot deadlock), apply the step, store its events with
 * the next seqs, commit. Nothing is published here: the caller publishes the
 * returned events after the commit. The step gets a knex transaction and the
 * same transaction as hand-written SQL.
 */
export function transition<T>(
  knex: Knex,
  conns: Connections,
  now: () => number,
  workflowId: string,
  step: Step<Knex.Transaction, T>,
  opts: TransitionOptions = {},
): Promise<Committed<T>> {
  return settle(() =>
    knex.transaction(async (t) => {
      if (opts.insert) await t('workflows').insert(opts.insert);
      const sql = await conns.inKnex(t);
      return apply(sql, now(), workflowId, opts.reserve ?? 0, (wf, at) => step(t, wf, at, sql));
    }),
  );
}

/** The same for steps written in SQL only (the hot path: claims and completions), without knex. */
export function sqlTransition<T>(
  conns: Connections,
  now: () => number,
  workflowId: string,
  step: (sql: Sql, wf: WorkflowRow, at: number) => Promise<StepResult<T>>,
  reserve = 0,
): Promise<Committed<T>> {
  return settle(() => conns.transaction((sql) => apply(sql, now(), workflowId, reserve, (wf, at) => step(sql, wf, at))));
}

/** Turns a step rolled back because it changed nothing into its value, with no events. */
export async function settle<T>(run: () => Promise<Committed<T>>): Promise<Committed<T>> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NothingChanged) return { value: e.value as T, events: [], status: e.status, statusChanged: false, tenant: '' };
    throw e;
  }
}

/**
 * Locks, applies the step, stores its events and patch. A `fused` step instead takes the lock in
 * its own first statement (PostgreSQL, see postgres/fused.ts) and hands the row it read to `got`.
 */
export async function apply<T>(
  sql: Sql,
  at: number,
  workflowId: string,
  reserve: number,
  step: (wf: WorkflowRow, at: number) => Promise<StepResult<T>>,
  fused?: (got: (row: unknown) => WorkflowRow) => Promise<StepResult<T>>,
): Promise<Committed<T>> {
  let locked: WorkflowRow | undefined;
  const got = (row: unknown) => {
    if (!row) throw new NotFoundError('Workflow', workflowId);
    locked = toWorkflowRow(row as Record<string, unknown>);
    locked.lastSeq -= reserve;
    return locked;
  };
  const result = fused ? await fused(got) : await step(got((await sql.all(LOCK, [at, reserve, workflowId]))[0]), at);
  const wf = locked;
  if (!wf) throw new Error('the step did not lock the workflow');
  const { value, events = [], patch = {} } = result;
  const patched = !isEmpty(patch);
  if (reserve > 0 && events.length === 0 && !patched) throw new NothingChanged(value, wf.status);
  const iso = new Date(at).toISOString();
  const stored = events.map((e, i) => ({ workflowId, seq: wf.lastSeq + i + 1, kind: e.kind, at: iso, payload: e.payload }) as AnyWorkflowEvent);
  const insert = stored.length > 0 ? insertEvents(sql, stored, at) : undefined;
  const update = stored.length !== reserve || patched ? updateWorkflow(workflowId, patch, wf.lastSeq + stored.length) : undefined;
  // The transaction's last statements (one round trip on PostgreSQL, with the COMMIT).
  if (insert && update) await sql.runLastPair(insert, update);
  else if (insert) await sql.runLast(...insert);
  else if (update) await sql.runLast(...update);
  const status = patch.status ?? wf.status;
  return { value, events: stored, status, statusChanged: status !== wf.status, tenant: wf.tenant };
}

/** Thrown inside a transaction to roll back a step that reserved seqs but changed nothing. */
class NothingChanged extends Error {
  constructor(
    readonly value: unknown,
    readonly status: WorkflowStatus,
  ) {
    super('nothing changed');
  }
}

function insertEvents(sql: Sql, events: AnyWorkflowEvent[], at: number): Statement {
  const rows = events.map((e) => ({ workflow_id: e.workflowId, seq: e.seq, kind: e.kind, payload: e.payload, at }));
  const [from, param] = sql.jsonRows('e', EVENT_COLUMNS, rows);
  return [`INSERT INTO workflow_events (workflow_id, seq, kind, payload, at) SELECT workflow_id, seq, kind, payload, at FROM ${from}`, [param]];
}

export function toWorkflowRow(row: Record<string, unknown>): WorkflowRow {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    status: row.status as WorkflowStatus,
    description: row.description as string,
    lastSeq: num(row.last_seq),
    totalTasks: num(row.total_tasks),
    completedTasks: num(row.completed_tasks),
    finishedTasks: num(row.finished_tasks),
    failedTasks: num(row.failed_tasks),
    startedAt: row.started_at == null ? null : num(row.started_at),
    createdAt: num(row.created_at),
    budget: row.budget == null ? null : fromJson<Budget>(row.budget),
    budgetState: num(row.budget_state),
    usage: { inputTokens: num(row.input_tokens), outputTokens: num(row.output_tokens), costUsd: Number(row.cost_usd ?? 0) },
  };
}
