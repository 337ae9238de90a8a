import type { Knex } from '@mikro-orm/knex';
import { fromJson, num } from '../../db/sql.ts';
import { toStorableText } from '../../text.ts';
import { decide, type EventDraft } from '../core/index.ts';
import type { ClaimedTask, Clock, ReadyTask } from '../types.ts';
import { aggregate } from './rows.ts';
import type { Connections } from './sql.ts';
import { type Committed, transition } from './transition.ts';
import { taskRows } from './workflows.ts';

/** Task-level transitions in SQL both databases accept. A write under a lease that is no longer the task's is refused (false). */
export function taskTransitions(knex: Knex, conns: Connections, clock: Clock) {
  const now = () => clock.now();
  return {
    /** A failed attempt that will be tried again after delayMs. */
    retrying(task: ClaimedTask, why: string, delayMs: number): Promise<Committed<boolean>> {
      const error = toStorableText(why);
      return transition(knex, conns, now, task.workflowId, async (t, _wf, at) => {
        const n = await t('tasks')
          .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
          .update({ attempts: t.raw('attempts + 1'), error, updated_at: at });
        if (n === 0) return { value: false };
        task.attempt += 1;
        return { value: true, events: [decide.retrying(task, error, delayMs)] };
      });
    },

    /**
     * Events a running attempt records as it goes (tool calls and results), stored in seq order only
     * while this run still holds the task of an EXECUTING (or PAUSED) workflow; false when it no longer does.
     */
    taskEvents(task: ClaimedTask, events: EventDraft[]): Promise<Committed<boolean>> {
      return transition(knex, conns, now, task.workflowId, async (t, wf) => {
        // A paused workflow's running tasks go on to their end, tool calls included.
        if (!decide.completable(wf)) return { value: false };
        const held = await t('tasks').where({ id: task.taskId, lease: task.lease, status: 'RUNNING' }).first('id');
        return held ? { value: true, events } : { value: false };
      });
    },

    /** RUNNING -> FAILED; every transitive dependent -> SKIPPED. Independent branches go on. */
    fail(task: ClaimedTask, why: string): Promise<Committed<boolean>> {
      const error = toStorableText(why);
      return transition(knex, conns, now, task.workflowId, async (t, wf, at, sql) => {
        if (!decide.completable(wf)) return { value: false };
        const n = await t('tasks')
          .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
          .update({ status: 'FAILED', lease: null, error, completed_at: at, updated_at: at });
        if (n === 0) return { value: false };
        const d = decide.fail(wf, task, error, await taskRows(t, task.workflowId));
        if (d.skipped.length > 0)
          await t('tasks')
            .whereIn(
              'id',
              d.skipped.map((r) => r.id),
            )
            .update({ status: 'SKIPPED', error: d.reason, completed_at: at, updated_at: at });
        if (!d.ends) return { value: true, events: d.events, patch: d.patch };
        const end = decide.finished(d.ends, await aggregate(sql, wf, at), d.patch.error ?? (await t('workflows').where({ id: wf.id }).first('error'))?.error ?? null, at);
        return { value: true, events: [...d.events, ...end.events], patch: { ...d.patch, ...end.patch } };
      });
    },

    /**
     * Gives a task back (shutdown): RUNNING -> READY so it runs again elsewhere or at the next start.
     * Its claim's attempt is given back too: a shutdown is no failure of the task.
     */
    async release(task: ClaimedTask): Promise<boolean> {
      const n = await knex('tasks')
        .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
        .update({ status: 'READY', lease: null, attempts: knex.raw('CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END'), updated_at: now() });
      return n > 0;
    },

    /**
     * The READY dependents of a COMPLETED task of an EXECUTING workflow. A runner whose claim was
     * refused hands these on: the process that completed the task may have died before it queued
     * them (its job then runs again elsewhere), and queueing a READY task twice is harmless.
     */
    async readyDependents(task: ReadyTask): Promise<ReadyTask[]> {
      const row = await knex('tasks').where({ id: task.taskId, status: 'COMPLETED' }).first('dependents');
      const keys = row ? fromJson<string[]>(row.dependents) : [];
      if (keys.length === 0) return [];
      const rows = await knex('tasks as t')
        .join('workflows as w', 'w.id', 't.workflow_id')
        .where({ 't.workflow_id': task.workflowId, 't.status': 'READY', 'w.status': 'EXECUTING' })
        .whereIn('t.key', keys)
        .orderBy('t.order_index')
        .select({ taskId: 't.id', key: 't.key', agent: 't.agent', orderIndex: 't.order_index' });
      return rows.map((r) => ({ taskId: r.taskId, workflowId: task.workflowId, key: r.key, agent: r.agent, orderIndex: num(r.orderIndex) }));
    },
  };
}
