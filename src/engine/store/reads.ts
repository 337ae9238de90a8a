import type { Knex } from '@mikro-orm/knex';
import { fromJson, num } from '../../db/sql.ts';
import type { AnyWorkflowEvent } from '../../events/types.ts';
import type { ReplanRequest } from '../core/replan.ts';
import type { ApprovalMode, ReadyTask, TaskStatus, WorkflowStatus } from '../types.ts';

/** How long an idempotency key names its workflow; after that it may be used again. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The workflow store's reads: plain queries outside any transition (the store spreads them in). */
export function workflowReads(knex: Knex, now: () => number) {
  return {
    /** The workflow this key named in the tenant within the window, if any. */
    async byIdempotencyKey(tenant: string, key: string): Promise<string | null> {
      const row = await knex('workflows')
        .where({ tenant, idempotency_key: key })
        .andWhere('created_at', '>=', now() - IDEMPOTENCY_WINDOW_MS)
        .first('id');
      return (row?.id as string | undefined) ?? null;
    },

    /** Whether the workflow exists and belongs to the tenant. */
    async owned(tenant: string, id: string): Promise<boolean> {
      return (await knex('workflows').where({ id, tenant }).first('id')) !== undefined;
    },

    /** Stored events of the tenant's workflow; none for another tenant's. */
    async eventsAfter(tenant: string, id: string, afterSeq: number, untilSeq?: number): Promise<AnyWorkflowEvent[]> {
      const q = knex('workflow_events as e')
        .join('workflows as w', 'w.id', 'e.workflow_id')
        .where({ 'e.workflow_id': id, 'w.tenant': tenant })
        .andWhere('e.seq', '>', afterSeq)
        .orderBy('e.seq');
      if (untilSeq !== undefined) q.andWhere('e.seq', '<=', untilSeq);
      const rows = await q.select('e.seq', 'e.kind', 'e.payload', 'e.at');
      return rows.map((r) => ({ workflowId: id, seq: num(r.seq), kind: r.kind, at: new Date(num(r.at)).toISOString(), payload: fromJson(r.payload) }) as AnyWorkflowEvent);
    },

    /**
     * Tasks to run after a restart: READY or RUNNING tasks of EXECUTING workflows. With
     * `runningBefore`, only RUNNING tasks claimed before then: a younger one may belong to a live
     * process that has not yet queued its takeover job.
     */
    async unfinished(opts: { runningBefore?: number } = {}): Promise<ReadyTask[]> {
      const rows = await knex('tasks as t')
        .join('workflows as w', 'w.id', 't.workflow_id')
        .where('w.status', 'EXECUTING')
        .where((q) => {
          q.where('t.status', 'READY');
          if (opts.runningBefore === undefined) q.orWhere('t.status', 'RUNNING');
          else q.orWhere((r) => r.where('t.status', 'RUNNING').andWhere('t.updated_at', '<', opts.runningBefore!));
        })
        .orderBy([{ column: 'w.created_at' }, { column: 't.order_index' }])
        .select({ taskId: 't.id', workflowId: 't.workflow_id', key: 't.key', agent: 't.agent', orderIndex: 't.order_index' });
      return rows.map((r) => ({ ...r, orderIndex: num(r.orderIndex) }));
    },

    async planningWorkflows(): Promise<Array<{ id: string; tenant: string; description: string; autoStart: boolean }>> {
      const rows = await knex('workflows').where({ status: 'PLANNING' }).orderBy('created_at').select('id', 'tenant', 'description', 'auto_start');
      return rows.map((r) => ({ id: r.id, tenant: r.tenant, description: r.description, autoStart: Boolean(r.auto_start) }));
    },

    /** What planning a workflow needs, or null if it is no longer PLANNING; `replan` when it is PLANNING for replanWorkflow's request. */
    async planningRequest(id: string): Promise<{ tenant: string; request: string; autoStart: boolean; replan: ReplanRequest | null } | null> {
      const row = await knex('workflows').where({ id, status: 'PLANNING' }).first('tenant', 'description', 'auto_start', 'metadata');
      if (!row) return null;
      const replan = fromJson<{ replan?: ReplanRequest } | null>(row.metadata)?.replan ?? null;
      return { tenant: row.tenant as string, request: row.description as string, autoStart: Boolean(row.auto_start), replan };
    },

    /** The workflow's status, its error (its first failure's) and its plan, as stored. */
    async outcome(id: string): Promise<{ status: WorkflowStatus; error: string | null; plan: string | null } | null> {
      const row = await knex('workflows').where({ id }).first('status', 'error', 'plan');
      return row ? { status: row.status as WorkflowStatus, error: row.error ?? null, plan: row.plan ?? null } : null;
    },

    /** What replanning a workflow reads: its request, status, error and every task as planned, with its outcome. */
    async replanSource(id: string): Promise<ReplanSource | null> {
      const wf = await knex('workflows').where({ id }).first('status', 'description', 'error', 'plan_revision');
      if (!wf) return null;
      const rows = await knex('tasks')
        .where({ workflow_id: id })
        .orderBy('order_index')
        .select('key', 'agent', 'description', 'depends_on', 'approval', 'status', 'output', 'error');
      return {
        status: wf.status as WorkflowStatus,
        request: wf.description as string,
        error: wf.error ?? null,
        revision: num(wf.plan_revision),
        tasks: rows.map((r) => ({
          key: r.key,
          agent: r.agent,
          description: r.description,
          dependsOn: fromJson<string[]>(r.depends_on),
          approval: r.approval,
          status: r.status,
          output: r.output ?? null,
          error: r.error ?? null,
        })),
      };
    },

    async status(id: string): Promise<WorkflowStatus | null> {
      const row = await knex('workflows').where({ id }).first('status');
      return (row?.status as WorkflowStatus) ?? null;
    },

    /** The tasks of a workflow in plan order, as they stand (status, attempts, outcome): what tests and tools inspect instead of the table. */
    async tasks(workflowId: string): Promise<TaskState[]> {
      const rows = await knex('tasks')
        .where({ workflow_id: workflowId })
        .orderBy('order_index')
        .select('id', 'key', 'agent', 'description', 'depends_on', 'status', 'attempts', 'remaining_deps', 'lease', 'output', 'error', 'updated_at');
      return rows.map((r) => ({
        taskId: r.id,
        key: r.key,
        agent: r.agent,
        description: r.description,
        dependsOn: fromJson<string[]>(r.depends_on) ?? [],
        status: r.status,
        attempts: num(r.attempts),
        remainingDeps: num(r.remaining_deps),
        leased: r.lease !== null,
        output: r.output,
        error: r.error,
        updatedAt: num(r.updated_at),
      }));
    },

    /** The workflow's bookkeeping as stored, whoever owns it: what tests inspect instead of the table. */
    async workflowRecord(id: string): Promise<WorkflowRecord | null> {
      const row = await knex('workflows').where({ id }).first('id', 'tenant', 'status', 'last_seq', 'updated_at', 'metadata', 'idempotency_key', 'input_tokens', 'output_tokens');
      if (!row) return null;
      return {
        id: row.id,
        tenant: row.tenant,
        status: row.status,
        lastSeq: num(row.last_seq),
        updatedAt: num(row.updated_at),
        metadata: fromJson<Record<string, unknown>>(row.metadata) ?? {},
        idempotencyKey: row.idempotency_key ?? null,
        inputTokens: num(row.input_tokens),
        outputTokens: num(row.output_tokens),
      };
    },

    /** Workflows holding this idempotency key, in every tenant, ordered by tenant (the window does not apply). */
    async withIdempotencyKey(key: string): Promise<Array<{ id: string; tenant: string }>> {
      return knex('workflows').where({ idempotency_key: key }).orderBy('tenant').select('id', 'tenant');
    },

    /** How many workflows, tasks and stored events exist (optionally of one workflow): what a test checks was not written. */
    async counts(workflowId?: string): Promise<{ workflows: number; tasks: number; events: number }> {
      const count = async (table: string, column: string) => {
        const q = knex(table);
        if (workflowId !== undefined) q.where(column, workflowId);
        return num((await q.count({ n: '*' }))[0]!.n);
      };
      return { workflows: await count('workflows', 'id'), tasks: await count('tasks', 'workflow_id'), events: await count('workflow_events', 'workflow_id') };
    },
  };
}

export interface TaskState {
  taskId: string;
  key: string;
  agent: string;
  description: string;
  dependsOn: string[];
  status: TaskStatus;
  attempts: number;
  remainingDeps: number;
  /** Whether a runner holds its lease. */
  leased: boolean;
  output: string | null;
  error: string | null;
  updatedAt: number;
}

export interface WorkflowRecord {
  id: string;
  tenant: string;
  status: WorkflowStatus;
  lastSeq: number;
  updatedAt: number;
  metadata: Record<string, unknown>;
  idempotencyKey: string | null;
  inputTokens: number;
  outputTokens: number;
}

/** A workflow as replanWorkflow reads it. */
export interface ReplanSource {
  status: WorkflowStatus;
  request: string;
  error: string | null;
  /** The plan revision the replan read: a concurrent edit or replan since then makes it a CONFLICT. */
  revision: number;
  tasks: Array<{ key: string; agent: string; description: string; dependsOn: string[]; approval: ApprovalMode; status: TaskStatus; output: string | null; error: string | null }>;
}
