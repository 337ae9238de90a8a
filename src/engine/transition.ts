import type { Knex } from '@mikro-orm/knex';
import type { Db } from '../db/orm.ts';
import { num, toJson } from '../db/sql.ts';
import { NotFoundError } from '../errors.ts';
import type { AnyWorkflowEvent, EventKind, EventPayloads } from '../events/types.ts';
import type { WorkflowStatus } from './types.ts';

export interface WorkflowLockRow {
  id: string;
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
  /** Columns of the workflow row to set (snake_case), beside last_seq and updated_at. */
  patch?: Record<string, unknown>;
}

export interface Committed<T> {
  value: T;
  /** Stored events, in seq order; publish them only now that they are committed. */
  events: AnyWorkflowEvent[];
  status: WorkflowStatus;
  statusChanged: boolean;
}

const LOCK_COLUMNS_LIST = [
  'id', 'status', 'description', 'run_number', 'last_seq', 'total_tasks', 'completed_tasks', 'finished_tasks', 'failed_tasks', 'started_at', 'created_at',
];

/**
 * One state change of one workflow, in one transaction: lock the workflow row
 * (every writer of a workflow takes this lock first, so writers of one workflow
 * are serialized and cannot deadlock), apply the step, store its events with
 * the next seqs, commit. Nothing is published here: the caller publishes the
 * returned events after the commit.
 */
export async function transition<T>(
  db: Db,
  now: () => number,
  workflowId: string,
  step: (t: Knex.Transaction, wf: WorkflowLockRow, at: number) => Promise<StepResult<T>>,
  opts: {
    /** A new workflow row to insert first, in the same transaction. */
    insert?: Record<string, unknown>;
    /**
     * Seqs to allocate with the lock itself. A step that then stores exactly that
     * many events and no patch saves a statement; one that stores nothing and no
     * patch is rolled back (it changed nothing).
     */
    reserve?: number;
  } = {},
): Promise<Committed<T>> {
  const reserve = opts.reserve ?? 0;
  const at = now();
  try {
    return await db.knex.transaction(async (t) => {
      if (opts.insert) await t('workflows').insert(opts.insert);
      // Locking with an UPDATE takes the write lock at once on both dialects (no SQLite lock upgrade later).
      const rows = await t('workflows')
        .where({ id: workflowId })
        .update({ updated_at: at, last_seq: t.raw('last_seq + ?', [reserve]) })
        .returning(LOCK_COLUMNS_LIST);
      if (rows.length === 0) throw new NotFoundError('Workflow', workflowId);
      const wf = normalize(rows[0]!);
      wf.lastSeq -= reserve;
      const { value, events = [], patch = {} } = await step(t, wf, at);
      if (reserve > 0 && events.length === 0 && Object.keys(patch).length === 0) throw new NothingChanged(value);
      const stored = events.map(
        (e, i) => ({ workflowId, seq: wf.lastSeq + i + 1, kind: e.kind, at: new Date(at).toISOString(), payload: e.payload }) as AnyWorkflowEvent,
      );
      if (stored.length > 0) await insertEvents(t, stored, at);
      if (stored.length !== reserve || Object.keys(patch).length > 0) {
        await t('workflows')
          .where({ id: workflowId })
          .update({ ...patch, last_seq: wf.lastSeq + stored.length });
      }
      const status = (patch.status as WorkflowStatus | undefined) ?? wf.status;
      return { value, events: stored, status, statusChanged: status !== wf.status };
    });
  } catch (e) {
    if (e instanceof NothingChanged) return { value: e.value as T, events: [], status: e.status ?? 'EXECUTING', statusChanged: false };
    throw e;
  }
}

/** Thrown inside a transaction to roll back a step that reserved seqs but changed nothing. */
class NothingChanged extends Error {
  status?: WorkflowStatus;
  constructor(readonly value: unknown) {
    super('nothing changed');
  }
}

async function insertEvents(t: Knex.Transaction, events: AnyWorkflowEvent[], at: number) {
  const rows = events.map((e) => ({ workflow_id: e.workflowId, seq: e.seq, kind: e.kind, payload: toJson(e.payload), at }));
  for (let i = 0; i < rows.length; i += 500) await t('workflow_events').insert(rows.slice(i, i + 500));
}

function normalize(row: Record<string, unknown>): WorkflowLockRow {
  return {
    id: row.id as string,
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
