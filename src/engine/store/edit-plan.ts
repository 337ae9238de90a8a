import type { Knex } from '@mikro-orm/knex';
import { fromJson, num, toJson } from '../../db/sql.ts';
import type { ValidatedPlan } from '../../planning/types.ts';
import { toStorableText, toStorableTextOrNull } from '../../text.ts';
import { decide, type EditableTask, editPlan, type EnginePolicy, type EventDraft, type PlanEdit } from '../core/index.ts';
import type { Clock, DecidedBy, ReadyTask } from '../types.ts';
import { readReplan, retryReplanned, writeReplan } from './replan.ts';
import { aggregate, workflowError } from './rows.ts';
import type { Connections } from './sql.ts';
import { type Committed, transition } from './transition.ts';

/** The workflow's tasks as an edit compares them. */
async function editableTasks(t: Knex.Transaction, id: string): Promise<EditableTask[]> {
  const rows = await t('tasks').where({ workflow_id: id }).select('id', 'key', 'agent', 'description', 'depends_on', 'approval', 'status');
  return rows.map((r) => ({
    id: r.id,
    key: r.key,
    agent: r.agent,
    description: r.description,
    dependsOn: fromJson<string[]>(r.depends_on),
    approval: r.approval,
    status: r.status,
  }));
}

/** Writes an edit's rows; returns the ids given to its new tasks, by key. */
async function writeEdit(t: Knex.Transaction, id: string, d: PlanEdit, at: number, newId: () => string): Promise<Map<string, string>> {
  if (d.deletes.length > 0) await t('tasks').whereIn('id', d.deletes).delete();
  const newIds = new Map<string, string>();
  for (const r of d.rows) {
    const cols = {
      description: r.task.description,
      agent: r.task.agent,
      order_index: r.orderIndex,
      depends_on: toJson(r.task.dependsOn),
      dependents: toJson(r.dependents),
      remaining_deps: r.remaining,
      status: r.status,
      approval: r.task.approval ?? 'NONE',
      updated_at: at,
    };
    if (r.id) await t('tasks').where({ id: r.id }).update(cols);
    else {
      const taskId = newId();
      newIds.set(r.task.key, taskId);
      await t('tasks').insert({ ...cols, id: taskId, workflow_id: id, key: r.task.key, metadata: toJson({}), created_at: at });
    }
  }
  await t('workflows').where({ id }).update({ plan_revision: d.revision });
  return newIds;
}

export function editPlanTransition(knex: Knex, conns: Connections, clock: Clock, policy: EnginePolicy) {
  const now = () => clock.now();
  return {
    /**
     * editPlan: the whole desired task list, applied at once or not at all; returns the tasks it made
     * READY. With `replan` (the planning job's answer to the replan request of that id), the
     * replacement plan of a workflow PLANNING for that request. An edit that leaves every task final ends the run.
     */
    editPlan(id: string, revision: number | null, desired: ValidatedPlan, by: DecidedBy, replan?: { text: string | null; id: string }): Promise<Committed<ReadyTask[]>> {
      const plan = { ...desired, tasks: desired.tasks.map((t) => ({ ...t, description: toStorableText(t.description) })) };
      return transition(knex, conns, now, id, async (t, wf, at, sql) => {
        const { plan_revision } = (await t('workflows').where({ id }).first('plan_revision')) as { plan_revision: unknown };
        const mode = replan && { ...replan, text: toStorableTextOrNull(replan.text), pending: await readReplan(t, id) };
        const d = editPlan(wf, num(plan_revision), revision ?? num(plan_revision), await editableTasks(t, id), plan, by, policy, mode);
        if (mode) await writeReplan(t, id, null);
        const newIds = await writeEdit(t, id, d, at, clock.id);
        const ready = d.ready.map((r) => ({ ...r, taskId: newIds.get(r.key) ?? r.taskId }));
        // The events name the new tasks by their stored ids.
        const events = d.events.map((e) =>
          e.kind === 'task_awaiting_approval' && newIds.has(e.payload.key) ? { ...e, payload: { ...e.payload, taskId: newIds.get(e.payload.key)! } } : e,
        ) as EventDraft[];
        const pending = mode?.pending;
        if (pending?.autoStart && pending.from !== 'PLANNED') {
          const r = await retryReplanned(t, wf, pending.from, plan.tasks.length, policy, at);
          return { value: r.ready, events: [...events, ...r.events], patch: { ...d.patch, ...r.patch } };
        }
        if (!d.ends) return { value: ready, events, patch: d.patch };
        const end = decide.finished(d.ends, await aggregate(sql, wf, at), await workflowError(sql, wf.id), at);
        return { value: ready, events: [...events, ...end.events], patch: { ...d.patch, ...end.patch } };
      });
    },
  };
}
