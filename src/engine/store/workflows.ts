import type { Knex } from '@mikro-orm/knex';
import { fromJson, insertChunked, num, toJson } from '../../db/sql.ts';
import { InvalidStateError } from '../../errors.ts';
import type { ValidatedPlan } from '../../planning/types.ts';
import { toStorableText, toStorableTextOrNull } from '../../text.ts';
import { type Budget, decide, draft, type EnginePolicy, type EventDraft, type TaskReset, type TaskRow } from '../core/index.ts';
import { type ApprovalMode, type Clock, type ReadyTask, UNFINISHED_TASK } from '../types.ts';
import { IDEMPOTENCY_WINDOW_MS } from './reads.ts';
import type { Connections } from './sql.ts';
import { type Committed, transition } from './transition.ts';

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
  /** Limits on its model calls (null: none). */
  budget?: Budget | null;
}

/** A plan a model wrote, with task descriptions any store accepts (keys and agents are validated already). */
const storablePlan = (plan: ValidatedPlan): ValidatedPlan => ({ ...plan, tasks: plan.tasks.map((t) => ({ ...t, description: toStorableText(t.description) })) });

/** Every task row of a workflow, as the fail and retry decisions read the graph. */
export async function taskRows(t: Knex.Transaction, workflowId: string): Promise<TaskRow[]> {
  const rows = await t('tasks').where({ workflow_id: workflowId }).select('id', 'key', 'agent', 'order_index', 'status', 'depends_on', 'dependents', 'approval');
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    agent: r.agent,
    orderIndex: num(r.order_index),
    status: r.status,
    dependsOn: fromJson<string[]>(r.depends_on),
    dependents: fromJson<string[]>(r.dependents),
    approval: r.approval,
  }));
}

/** The columns of a task that runs again (retry, rerun): its state, and its last run's results cleared. */
export const resetColumns = (r: TaskReset, at: number) => ({
  status: r.status,
  remaining_deps: r.remaining,
  error: null,
  output: null,
  feedback: null,
  lease: null,
  attempts: 0,
  started_at: null,
  completed_at: null,
  duration_ms: null,
  updated_at: at,
});

/** A retry's resets: each task to run again, its last run's results cleared. */
export async function resetTasks(t: Knex.Transaction, resets: TaskReset[], at: number): Promise<void> {
  for (const r of resets) await t('tasks').where({ id: r.id }).update(resetColumns(r, at));
}

/**
 * Workflow-level transitions in SQL both databases accept (knex). Each is one transaction whose
 * decision the core makes; events come back for publishing after the commit.
 */
export function workflowTransitions(knex: Knex, conns: Connections, clock: Clock, policy: EnginePolicy) {
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
      approval: task.approval ?? 'NONE',
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
        await knex('workflows')
          .where({ tenant: input.tenant, idempotency_key: key })
          .andWhere('created_at', '<', at - IDEMPOTENCY_WINDOW_MS)
          .update({ idempotency_key: null });
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
        budget: input.budget ? toJson(input.budget) : null,
        total_tasks: input.plan?.validated.tasks.length ?? 0,
        created_at: at,
        updated_at: at,
      };
      return transition(
        knex,
        conns,
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

    /** PLANNING -> PLANNED with the tasks. Returns a false value if the workflow left PLANNING meanwhile (cancelled). */
    replacePlan(id: string, answer: string | null, plan: ValidatedPlan): Promise<Committed<boolean>> {
      // The orchestrator's answer: what no store accepts becomes U+FFFD (see text.ts).
      const text = toStorableTextOrNull(answer);
      const validated = storablePlan(plan);
      return transition(knex, conns, now, id, async (t, wf, at) => {
        if (wf.status !== 'PLANNING') return { value: false };
        // planWorkflow's approval applies to every planned task.
        const meta = fromJson<{ approval?: ApprovalMode } | null>((await t('workflows').where({ id }).first('metadata'))?.metadata);
        if (meta?.approval) validated.tasks.forEach((task) => (task.approval = meta.approval));
        await insertTasks(t, id, validated, at);
        return { value: true, events: [planReady({ text, validated })], patch: { status: 'PLANNED', plan: text, totalTasks: validated.tasks.length } };
      });
    },

    planningFailed(id: string, why: string, answer: string | null): Promise<Committed<boolean>> {
      const error = toStorableText(why);
      const plan = toStorableTextOrNull(answer);
      return transition(knex, conns, now, id, async (_t, wf, at) => {
        if (wf.status !== 'PLANNING') return { value: false };
        return { value: true, events: [draft('failed', { error })], patch: { status: 'FAILED', error, plan, completedAt: at } };
      });
    },

    /** Any active workflow -> CANCELLED; unfinished tasks -> CANCELLED. Their leases are cleared, so no runner can write after this. */
    cancel(id: string, reason: string | null): Promise<Committed<string[]>> {
      return transition(knex, conns, now, id, async (t, wf, at) => {
        const unfinished = await t('tasks')
          .where({ workflow_id: id })
          .whereIn('status', UNFINISHED_TASK as string[])
          .select('id', 'key', 'agent', 'order_index');
        const d = decide.cancel(
          wf,
          unfinished.map((r) => ({ id: r.id, key: r.key, agent: r.agent, orderIndex: num(r.order_index) })),
          reason,
          at,
        );
        if (d.cancelled.length > 0) await t('tasks').whereIn('id', d.cancelled).update({ status: 'CANCELLED', lease: null, updated_at: at, completed_at: at });
        return { value: d.cancelled, events: d.events, patch: d.patch };
      });
    },

    /** FAILED or CANCELLED -> EXECUTING again; completed tasks keep their outputs, the rest run again. */
    retry(id: string): Promise<Committed<ReadyTask[]>> {
      return transition(knex, conns, now, id, async (t, wf, at) => {
        const d = decide.retry(wf, wf.status === 'FAILED' || wf.status === 'CANCELLED' ? await taskRows(t, id) : [], policy);
        await resetTasks(t, d.resets, at);
        return { value: d.ready, events: d.events, patch: d.patch };
      });
    },

    async remove(id: string): Promise<void> {
      await transition(knex, conns, now, id, async (t, wf) => {
        if (wf.status === 'EXECUTING' || wf.status === 'PAUSED' || wf.status === 'PLANNING') {
          throw new InvalidStateError(`workflow ${id} is ${wf.status}; cancel it before deleting it`, { status: wf.status });
        }
        await t('workflow_events').where({ workflow_id: id }).delete();
        await t('tasks').where({ workflow_id: id }).delete();
        await t('workflows').where({ id }).delete();
        return { value: undefined };
      });
    },
  };
}
