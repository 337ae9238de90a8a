import type { Knex } from '@mikro-orm/knex';
import type { Db } from '../db/orm.ts';
import { fromJson, insertChunked, num, toJson } from '../db/sql.ts';
import { InvalidStateError } from '../errors.ts';
import type { ValidatedPlan } from '../planning/types.ts';
import { type Committed, draft, type EventDraft, lockedRows, sqlTransition, sqlTransitionFused, transition, whileLocked, type WorkflowLockRow } from './transition.ts';
import { ACTIVE_WORKFLOW, type ReadyTask, UNFINISHED_TASK } from './types.ts';
import { toStorableText, toStorableTextOrNull } from '../text.ts';
import { createWorkflowReads, IDEMPOTENCY_WINDOW_MS } from './workflow-reads.ts';

export interface Clock {
  now(): number;
  id(): string;
}

export interface NewWorkflow {
  tenant: string;
  /** At most one workflow per key and tenant within IDEMPOTENCY_WINDOW_MS (a unique index holds it). */
  idempotencyKey?: string | null;
  description: string;
  channelId: string | null;
  orchestrator: string;
  autoStart?: boolean;
  /** Given: the workflow is PLANNED at once. Absent: it starts in PLANNING. */
  plan?: { text: string | null; validated: ValidatedPlan };
  /** Stored in its metadata column, e.g. the run's W3C traceparent. */
  metadata?: Record<string, unknown>;
}

const READY_COLUMNS = { taskId: 'id', workflowId: 'workflow_id', key: 'key', agent: 'agent', orderIndex: 'order_index' };
const toReady = (rows: Record<string, unknown>[]): ReadyTask[] =>
  rows
    .map((r) => ({ taskId: r.taskId as string, workflowId: r.workflowId as string, key: r.key as string, agent: r.agent as string, orderIndex: num(r.orderIndex) }))
    .sort((a, b) => a.orderIndex - b.orderIndex);

/** A plan a model wrote, with task descriptions any store accepts (keys and agents are validated already). */
const storablePlan = (plan: ValidatedPlan): ValidatedPlan => ({ ...plan, tasks: plan.tasks.map((t) => ({ ...t, description: toStorableText(t.description) })) });

/** Workflow-level transitions. Each is one transaction; events come back for publishing after commit. */
export function createWorkflowStore(db: Db, clock: Clock) {
  const now = () => clock.now();

  async function insertTasks(t: Knex.Transaction, workflowId: string, plan: ValidatedPlan, at: number) {
    const rows = plan.tasks.map((task, i) => ({
      id: clock.id(),
      workflow_id: workflowId,
      key: task.key,
      description: task.description,
      agent: task.agent,
      order_index: i,
      depends_on: toJson(task.dependsOn),
      dependents: toJson(plan.dependents[task.key] ?? []),
      remaining_deps: task.dependsOn.length,
      status: 'PENDING',
      metadata: toJson(task.line ? { line: task.line } : {}),
      created_at: at,
      updated_at: at,
    }));
    await insertChunked(t, 'tasks', rows);
  }

  const planReady = (plan: NonNullable<NewWorkflow['plan']>) =>
    draft('plan_ready', {
      plan: plan.text,
      tasks: plan.validated.tasks.map(({ key, agent, description, dependsOn }) => ({ key, agent, description, dependsOn })),
    });

  return {
    /** Stores a new workflow. With an idempotency key already taken (in the window), fails with a unique violation. */
    async create(input: NewWorkflow): Promise<Committed<string>> {
      const id = clock.id();
      const at = now();
      const key = input.idempotencyKey ?? null;
      // A key older than the window is released first, so it can name this workflow.
      if (key !== null) {
        await db.knex('workflows').where({ tenant: input.tenant, idempotency_key: key }).andWhere('created_at', '<', at - IDEMPOTENCY_WINDOW_MS).update({ idempotency_key: null });
      }
      const row = {
        id,
        tenant: input.tenant,
        idempotency_key: key,
        description: input.description,
        status: input.plan ? 'PLANNED' : 'PLANNING',
        channel_id: input.channelId,
        orchestrator: input.orchestrator,
        plan: input.plan?.text ?? null,
        metadata: toJson(input.metadata ?? {}),
        auto_start: input.autoStart ?? false,
        total_tasks: input.plan?.validated.tasks.length ?? 0,
        created_at: at,
        updated_at: at,
      };
      return transition(
        db,
        now,
        id,
        async (t, _wf, at2) => {
          const events: EventDraft[] = [draft('created', { description: input.description, channelId: input.channelId })];
          if (input.plan) {
            await insertTasks(t, id, input.plan.validated, at2);
            events.push(planReady(input.plan));
          } else {
            events.push(draft('planning', { orchestrator: input.orchestrator }));
          }
          return { value: id, events };
        },
        { insert: row },
      );
    },

    /** PLANNING -> PLANNED with the tasks. Returns null value if the workflow left PLANNING meanwhile (cancelled). */
    planned(id: string, answer: string | null, plan: ValidatedPlan) {
      // The orchestrator's answer: what no store accepts becomes U+FFFD (see text.ts).
      const text = toStorableTextOrNull(answer);
      const validated = storablePlan(plan);
      return transition(db, now, id, async (t, wf, at) => {
        if (wf.status !== 'PLANNING') return { value: false };
        await insertTasks(t, id, validated, at);
        return {
          value: true,
          events: [planReady({ text, validated })],
          patch: { status: 'PLANNED', plan: text, total_tasks: validated.tasks.length },
        };
      });
    },

    planningFailed(id: string, why: string, answer: string | null) {
      const error = toStorableText(why);
      const plan = toStorableTextOrNull(answer);
      return transition(db, now, id, async (_t, wf, at) => {
        if (wf.status !== 'PLANNING') return { value: false };
        return { value: true, events: [draft('failed', { error })], patch: { status: 'FAILED', error, plan, completed_at: at } };
      });
    },

    /**
     * PLANNED -> EXECUTING; returns the tasks that are ready at once. On PostgreSQL `early` gets them
     * as soon as they are written, before the commit: a runner's claim of one takes the workflow's
     * lock first, so it waits for this commit (and finds nothing if this transaction fails).
     */
    start(id: string, early?: (ready: ReadyTask[]) => void): Promise<Committed<ReadyTask[]>> {
      const roots = (guard: string) => `UPDATE tasks SET status = 'READY', updated_at = ? WHERE workflow_id = ? AND status = 'PENDING' AND remaining_deps = 0${guard}
           RETURNING ${Object.values(READY_COLUMNS).join(', ')}`;
      const started = (wf: WorkflowLockRow, ready: Record<string, unknown>[], at: number) => {
        if (wf.status !== 'PLANNED') {
          throw new InvalidStateError(`workflow ${id} is ${wf.status}; only a PLANNED workflow can be started`, { status: wf.status });
        }
        return {
          value: toReady(ready.map(renameReady)),
          events: [draft('started', { total: wf.totalTasks }), draft('progress', progress(wf.completedTasks, wf.totalTasks))],
          patch: { status: 'EXECUTING', started_at: at, run_number: wf.runNumber + 1, error: null },
        };
      };
      if (db.dialect === 'postgresql') {
        // The lock in the statement that makes the roots READY (see FusedLock).
        return sqlTransitionFused(db, now, id, async (sql, at, lock) => {
          const { wf, rows } = await lockedRows<Record<string, unknown>>(sql, lock, `r AS (${roots(` AND ${whileLocked('PLANNED')}`)})`,
            { id: 'uuid', workflow_id: 'uuid', key: 'text', agent: 'text', order_index: 'int' },
            `SELECT 'task', NULL::jsonb, ${Object.values(READY_COLUMNS).join(', ')} FROM r`, [at, id]);
          const result = started(wf, rows, at);
          if (early && result.value.length > 0) early(result.value);
          return result;
        });
      }
      return sqlTransition(db, now, id, async (sql, wf, at) => started(wf, wf.status === 'PLANNED' ? await sql.all(roots(''), [at, id]) : [], at));
    },

    /** Any active workflow -> CANCELLED; unfinished tasks -> CANCELLED. Their leases are cleared, so no runner can write after this. */
    cancel(id: string, reason: string | null): Promise<Committed<string[]>> {
      return transition(db, now, id, async (t, wf, at) => {
        if (!ACTIVE_WORKFLOW.includes(wf.status)) {
          throw new InvalidStateError(`workflow ${id} is ${wf.status}; only a PLANNING, PLANNED or EXECUTING workflow can be cancelled`, {
            status: wf.status,
          });
        }
        const cancelled = await t('tasks')
          .where({ workflow_id: id })
          .whereIn('status', UNFINISHED_TASK as string[])
          .update({ status: 'CANCELLED', lease: null, updated_at: at, completed_at: at })
          .returning(['id', 'key', 'agent', 'order_index']);
        cancelled.sort((a, b) => num(a.order_index) - num(b.order_index));
        const events: EventDraft[] = cancelled.map((r) => draft('task_cancelled', { taskId: r.id, key: r.key, agent: r.agent }));
        events.push(draft('cancelled', { reason }));
        return { value: cancelled.map((r) => r.id as string), events, patch: { status: 'CANCELLED', completed_at: at } };
      });
    },

    /** FAILED or CANCELLED -> EXECUTING again; completed tasks keep their outputs, the rest run again. */
    retry(id: string): Promise<Committed<ReadyTask[]>> {
      return transition(db, now, id, async (t, wf, at) => {
        if (wf.status !== 'FAILED' && wf.status !== 'CANCELLED') {
          throw new InvalidStateError(`workflow ${id} is ${wf.status}; only a FAILED or CANCELLED workflow can be retried`, { status: wf.status });
        }
        if (wf.totalTasks === 0) throw new InvalidStateError(`workflow ${id} has no tasks; plan it again instead`);
        const rows = await t('tasks').where({ workflow_id: id }).select('id', 'key', 'status', 'depends_on');
        const done = new Set(rows.filter((r) => r.status === 'COMPLETED').map((r) => r.key as string));
        const again = rows.filter((r) => r.status !== 'COMPLETED');
        for (const r of again) {
          const remaining = fromJson<string[]>(r.depends_on).filter((k) => !done.has(k)).length;
          await t('tasks')
            .where({ id: r.id })
            .update({ status: remaining === 0 ? 'READY' : 'PENDING', remaining_deps: remaining, error: null, output: null, lease: null, attempts: 0, started_at: null, completed_at: null, duration_ms: null, updated_at: at });
        }
        const ready = await t('tasks').where({ workflow_id: id, status: 'READY' }).select(READY_COLUMNS);
        return {
          value: toReady(ready),
          events: [draft('started', { total: wf.totalTasks }), draft('progress', progress(done.size, wf.totalTasks))],
          patch: { status: 'EXECUTING', run_number: wf.runNumber + 1, error: null, results: null, completed_at: null, finished_tasks: done.size, completed_tasks: done.size, failed_tasks: 0 },
        };
      });
    },

    async remove(id: string): Promise<void> {
      await transition(db, now, id, async (t, wf) => {
        if (wf.status === 'EXECUTING' || wf.status === 'PLANNING') {
          throw new InvalidStateError(`workflow ${id} is ${wf.status}; cancel it before deleting it`, { status: wf.status });
        }
        await t('workflow_events').where({ workflow_id: id }).delete();
        await t('tasks').where({ workflow_id: id }).delete();
        await t('workflows').where({ id }).delete();
        return { value: undefined };
      });
    },

    ...createWorkflowReads(db, now),
  };
}

function renameReady(r: Record<string, unknown>) {
  return { taskId: r.id, workflowId: r.workflow_id, key: r.key, agent: r.agent, orderIndex: r.order_index };
}

export const progress = (completed: number, total: number) => ({
  completed,
  total,
  percent: total === 0 ? 0 : Math.round((completed / total) * 1000) / 10,
});

export type WorkflowStore = ReturnType<typeof createWorkflowStore>;
