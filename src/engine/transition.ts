import type { Knex } from '@mikro-orm/knex';
import type { Db } from '../db/orm.ts';
import { jsonRows, rawTransaction, type Sql, sqlIn } from '../db/raw.ts';
import { num } from '../db/sql.ts';
import { NotFoundError } from '../errors.ts';
import type { AnyWorkflowEvent, EventKind, EventPayloads } from '../events/types.ts';
import type { WorkflowStatus } from './types.ts';

export interface WorkflowLockRow {
  id: string;
  /** The workflow's owner: tasks run with its agents (read with the lock, so a claim needs no query for it). */
  tenant: string;
  status: WorkflowStatus;
  description: string;
  runNumber: number;
  lastSeq: number;
  totalTasks: number;
  completedTasks: number;
  finishedTasks: number;
  failedTasks: number;
  startedAt: number | null;
  createdAt: number;
}

export type EventDraft = { [K in EventKind]: { kind: K; payload: EventPayloads[K] } }[EventKind];
export const draft = <K extends EventKind>(kind: K, payload: EventPayloads[K]) => ({ kind, payload }) as EventDraft;

export interface StepResult<T> {
  value: T;
  events?: EventDraft[];
  /** Columns of the workflow row to set (snake_case), beside last_seq and updated_at; `add(n)` adds to one. */
  patch?: Record<string, unknown>;
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

const LOCK_COLUMNS = 'id, tenant, status, description, run_number, last_seq, total_tasks, completed_tasks, finished_tasks, failed_tasks, started_at, created_at';
const LOCK = `UPDATE workflows SET updated_at = ?, last_seq = last_seq + ? WHERE id = ? RETURNING ${LOCK_COLUMNS}`;
const EVENT_COLUMNS = { workflow_id: 'uuid', seq: 'int', kind: 'text', payload: 'jsonb', at: 'bigint' };

/** A patch value that adds to the column instead of setting it. */
export const add = (n: number) => ({ add: n });
const isAdd = (v: unknown): v is { add: number } => typeof v === 'object' && v !== null && 'add' in v;

type Step<S, T> = (tx: S, wf: WorkflowLockRow, at: number, sql: Sql) => Promise<StepResult<T>>;
interface Options {
  /** A new workflow row to insert first, in the same transaction (knex transitions only). */
  insert?: Record<string, unknown>;
  /**
   * Seqs to allocate with the lock itself. A step that then stores exactly that
   * many events and no patch saves a statement; one that stores nothing and no
   * patch is rolled back (it changed nothing).
   */
  reserve?: number;
}

/**
 * One state change of one workflow, in one transaction: lock the workflow row
 * (every writer of a workflow takes this lock first, so writers of one workflow
 * are serialized and cannot deadlock), apply the step, store its events with
 * the next seqs, commit. Nothing is published here: the caller publishes the
 * returned events after the commit. The step gets a knex transaction and the
 * same transaction as hand-written SQL.
 */
export function transition<T>(db: Db, now: () => number, workflowId: string, step: Step<Knex.Transaction, T>, opts: Options = {}): Promise<Committed<T>> {
  return settle(() =>
    db.knex.transaction(async (t) => {
      if (opts.insert) await t('workflows').insert(opts.insert);
      return apply(await sqlIn(t, db.dialect), now(), workflowId, (wf, at, sql) => step(t, wf!, at, sql), opts.reserve ?? 0);
    }),
  );
}

/** The same for steps written in SQL only (the hot path: claims and completions), without knex. */
export function sqlTransition<T>(db: Db, now: () => number, workflowId: string, step: Step<Sql, T>, opts: Omit<Options, 'insert'> = {}): Promise<Committed<T>> {
  return settle(() => rawTransaction(db, (sql) => apply(sql, now(), workflowId, (wf, at) => step(sql, wf!, at, sql), opts.reserve ?? 0)));
}

/**
 * The workflow's lock as the first CTE of the step's first statement (PostgreSQL only), to save
 * that statement's round trip: `WITH wf AS (${cte}) …` with `params` first; every change the
 * statement makes must depend on `wf` (e.g. `AND EXISTS (SELECT 1 FROM wf …)`), so the lock is
 * taken before any of them. The step hands the row it read back (`to_jsonb(wf)`) to `got`.
 */
export interface FusedLock {
  cte: string;
  params: unknown[];
  got(row: unknown): WorkflowLockRow;
}

/** The condition that makes a change of a fused statement wait for the lock, and happen only in these states. */
export const whileLocked = (...statuses: WorkflowStatus[]) => `EXISTS (SELECT 1 FROM wf WHERE wf.status IN (${statuses.map((s) => `'${s}'`).join(', ')}))`;

/**
 * A fused statement: `WITH wf AS (lock), ${ctes} SELECT …` returning the locked row and the rows of
 * `union` (one or more `SELECT '<part>' AS part, NULL::jsonb, …` branches with the given columns).
 */
export async function lockedRows<R>(sql: Sql, lock: FusedLock, ctes: string, columns: Record<string, string>, union: string, params: unknown[]) {
  const nulls = Object.entries(columns).map(([c, type]) => `NULL::${type} AS ${c}`).join(', ');
  const rows = await sql.all<R & { part: string }>(
    `WITH wf AS (${lock.cte}), ${ctes} SELECT 'wf' AS part, to_jsonb(wf) AS wf, ${nulls} FROM wf UNION ALL ${union}`,
    [...lock.params, ...params],
  );
  const wf = lock.got((rows.find((r) => r.part === 'wf') as { wf?: unknown } | undefined)?.wf);
  return { wf, rows: rows.filter((r) => r.part !== 'wf') };
}

/** sqlTransition whose step takes the lock itself, in its first statement (see FusedLock). */
export function sqlTransitionFused<T>(
  db: Db,
  now: () => number,
  workflowId: string,
  step: (sql: Sql, at: number, lock: FusedLock) => Promise<StepResult<T>>,
  opts: Omit<Options, 'insert'> = {},
): Promise<Committed<T>> {
  if (db.dialect !== 'postgresql') throw new Error('a fused lock is for PostgreSQL');
  return settle(() => rawTransaction(db, (sql) => apply(sql, now(), workflowId, (_wf, at, _sql, lock) => step(sql, at, lock!), opts.reserve ?? 0, true)));
}

async function settle<T>(run: () => Promise<Committed<T>>): Promise<Committed<T>> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NothingChanged) return { value: e.value as T, events: [], status: e.status ?? 'EXECUTING', statusChanged: false, tenant: '' };
    throw e;
  }
}

async function apply<T>(
  sql: Sql,
  at: number,
  workflowId: string,
  step: (wf: WorkflowLockRow | undefined, at: number, sql: Sql, lock?: FusedLock) => Promise<StepResult<T>>,
  reserve: number,
  fused = false,
): Promise<Committed<T>> {
  let locked: WorkflowLockRow | undefined;
  const got = (row: unknown) => {
    if (!row) throw new NotFoundError('Workflow', workflowId);
    locked = normalize(row as Record<string, unknown>);
    locked.lastSeq -= reserve;
    return locked;
  };
  let result: StepResult<T>;
  if (fused) {
    result = await step(undefined, at, sql, { cte: LOCK, params: [at, reserve, workflowId], got });
  } else {
    // Locking with an UPDATE takes the write lock at once on both dialects (no SQLite lock upgrade later).
    const rows = await sql.all(LOCK, [at, reserve, workflowId]);
    result = await step(got(rows[0]), at, sql);
  }
  const wf = locked;
  if (!wf) throw new Error('the step did not lock the workflow');
  const { value, events = [], patch = {} } = result;
  const patched = Object.keys(patch).length > 0;
  if (reserve > 0 && events.length === 0 && !patched) throw new NothingChanged(value);
  const iso = new Date(at).toISOString();
  const stored = events.map((e, i) => ({ workflowId, seq: wf.lastSeq + i + 1, kind: e.kind, at: iso, payload: e.payload }) as AnyWorkflowEvent);
  const insert = stored.length > 0 ? insertEvents(sql.dialect, stored, at) : undefined;
  const update = stored.length !== reserve || patched ? updateWorkflow(workflowId, patch, wf.lastSeq + stored.length) : undefined;
  // The transaction's last statements: on PostgreSQL one round trip for both, with the COMMIT.
  if (insert && update && sql.dialect === 'postgresql') {
    await sql.runLast(`WITH e AS (${insert[0]}) ${update[0]}`, [...insert[1], ...update[1]]);
  } else {
    if (insert) await (update ? sql.run(...insert) : sql.runLast(...insert));
    if (update) await sql.runLast(...update);
  }
  const status = (patch.status as WorkflowStatus | undefined) ?? wf.status;
  return { value, events: stored, status, statusChanged: status !== wf.status, tenant: wf.tenant };
}

/** Thrown inside a transaction to roll back a step that reserved seqs but changed nothing. */
class NothingChanged extends Error {
  status?: WorkflowStatus;
  constructor(readonly value: unknown) {
    super('nothing changed');
  }
}

function insertEvents(dialect: Sql['dialect'], events: AnyWorkflowEvent[], at: number): [string, unknown[]] {
  const rows = events.map((e) => ({ workflow_id: e.workflowId, seq: e.seq, kind: e.kind, payload: e.payload, at }));
  const [from, param] = jsonRows(dialect, 'e', EVENT_COLUMNS, rows);
  return [`INSERT INTO workflow_events (workflow_id, seq, kind, payload, at) SELECT workflow_id, seq, kind, payload, at FROM ${from}`, [param]];
}

function updateWorkflow(id: string, patch: Record<string, unknown>, lastSeq: number): [string, unknown[]] {
  const columns = Object.entries(patch);
  const sets = columns.map(([c, v]) => (isAdd(v) ? `${c} = ${c} + ?` : `${c} = ?`));
  const params = columns.map(([, v]) => (isAdd(v) ? v.add : v));
  return [`UPDATE workflows SET ${[...sets, 'last_seq = ?'].join(', ')} WHERE id = ?`, [...params, lastSeq, id]];
}

function normalize(row: Record<string, unknown>): WorkflowLockRow {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    status: row.status as WorkflowStatus,
    description: row.description as string,
    runNumber: num(row.run_number),
    lastSeq: num(row.last_seq),
    totalTasks: num(row.total_tasks),
    completedTasks: num(row.completed_tasks),
    finishedTasks: num(row.finished_tasks),
    failedTasks: num(row.failed_tasks),
    startedAt: row.started_at == null ? null : num(row.started_at),
    createdAt: num(row.created_at),
  };
}
