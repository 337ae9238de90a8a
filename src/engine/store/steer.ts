import type { Knex } from '@mikro-orm/knex';
import { fromJson, num, toJson } from '../../db/sql.ts';
import { NotFoundError } from '../../errors.ts';
import { toStorableText } from '../../text.ts';
import { decide, type EnginePolicy, steer, type TaskRow, type WorkflowRow } from '../core/index.ts';
import type { ApprovalMode, ClaimedTask, Clock, DecidedBy, ReadyTask, TaskOutcome } from '../types.ts';
import { aggregate, workflowError } from './rows.ts';
import type { Connections, Sql } from './sql.ts';
import { type Committed, type StepResult, transition } from './transition.ts';
import { mergeCalls, storeCalls } from './usage.ts';
import { resetColumns, taskRows } from './workflows.ts';

/**
 * The steering transitions (issue #14): the hold after a run and a person's decisions. Each is one
 * transaction holding the workflow's lock; each write is conditional on the status the decision
 * read, so a decision sent twice takes effect once (the second is INVALID_STATE).
 */
export function steeringTransitions(knex: Knex, conns: Connections, clock: Clock, policy: EnginePolicy) {
  const now = () => clock.now();

  /** The task's workflow, or NOT_FOUND (also for another tenant's task, exactly as an unknown id). */
  async function workflowOf(tenant: string, taskId: string): Promise<string> {
    const row = await knex('tasks as t').join('workflows as w', 'w.id', 't.workflow_id').where({ 't.id': taskId, 'w.tenant': tenant }).first('t.workflow_id as wid');
    if (!row) throw new NotFoundError('Task', taskId);
    return row.wid as string;
  }

  /** One decision on one task of the tenant: the task row read under the workflow's lock. */
  async function onTask<T>(
    tenant: string,
    taskId: string,
    step: (t: Knex.Transaction, task: TaskRow, graph: TaskRow[], wf: WorkflowRow, at: number, sql: Sql) => Promise<StepResult<T>>,
  ) {
    const workflowId = await workflowOf(tenant, taskId);
    return transition<T>(knex, conns, now, workflowId, async (t, wf, at, sql) => {
      const graph = await taskRows(t, workflowId);
      const task = graph.find((r) => r.id === taskId);
      if (!task) throw new NotFoundError('Task', taskId);
      return step(t, task, graph, wf, at, sql);
    });
  }

  /** Writes a status change only if the task still has the status the decision read. */
  async function move(t: Knex.Transaction, task: TaskRow, to: Record<string, unknown>, at: number) {
    const n = await t('tasks')
      .where({ id: task.id, status: task.status })
      .update({ ...to, updated_at: at });
    if (n !== 1) throw new Error(`task ${task.key} changed under the workflow's lock`); // cannot happen: every writer takes the lock
  }

  const toReady = (r: { id: string; workflow_id?: string; key: string; agent: string; order_index: unknown; approval?: string }, workflowId: string): ReadyTask => ({
    taskId: r.id,
    workflowId,
    key: r.key,
    agent: r.agent,
    orderIndex: num(r.order_index),
    approval: r.approval as ApprovalMode,
  });

  return {
    /** The hold after a run (AFTER_RUN): RUNNING -> AWAITING_REVIEW with its output; its dependents wait. Null if the lease is gone. */
    holdForReview(task: ClaimedTask, outcome: TaskOutcome): Promise<Committed<{ ready: ReadyTask[] } | null>> {
      const output = toStorableText(outcome.output);
      return transition(knex, conns, now, task.workflowId, async (t, wf, at, sql) => {
        if (!decide.completable(wf)) return { value: null };
        const n = await t('tasks')
          .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
          .update({
            status: 'AWAITING_REVIEW',
            lease: null,
            output,
            error: null,
            feedback: null,
            completed_at: at,
            updated_at: at,
            duration_ms: outcome.durationMs,
            input_tokens: t.raw('input_tokens + ?', [outcome.usage.input]),
            output_tokens: t.raw('output_tokens + ?', [outcome.usage.output]),
          });
        if (n === 0) return { value: null };
        await storeCalls(sql, mergeCalls(outcome.calls ?? []), at);
        const d = steer.heldForReview(task, output, outcome.usage);
        return { value: { ready: [] }, events: d.events, patch: d.patch };
      });
    },

    /** AWAITING_APPROVAL -> READY (returned, to queue); AWAITING_REVIEW -> COMPLETED, its dependents made runnable (returned). */
    approve(tenant: string, taskId: string, by: DecidedBy, comment: string | null): Promise<Committed<ReadyTask[]>> {
      const note = comment == null ? null : toStorableText(comment);
      return onTask<ReadyTask[]>(tenant, taskId, async (t, task, _graph, wf, at, sql) => {
        if (task.status !== 'AWAITING_REVIEW') {
          const d = steer.approveRun(wf, task, by, note);
          await move(t, task, { status: 'READY' }, at);
          return { value: [d.ready], events: d.events };
        }
        const { output } = (await t('tasks').where({ id: task.id }).first('output')) as { output: string | null };
        // Its dependents count it down now, as a completion does; those reaching zero are runnable.
        const reached: ReadyTask[] = [];
        if (task.dependents.length > 0) {
          await t('tasks')
            .where({ workflow_id: wf.id })
            .whereIn('key', task.dependents)
            .update({ remaining_deps: t.raw('remaining_deps - 1'), updated_at: at });
          const rows = await t('tasks')
            .where({ workflow_id: wf.id, status: 'PENDING', remaining_deps: 0 })
            .whereIn('key', task.dependents)
            .select('id', 'key', 'agent', 'order_index', 'approval');
          reached.push(...rows.map((r) => toReady(r, wf.id)));
        }
        const d = steer.approveReview(wf, task, output ?? '', reached, by, note, policy);
        await move(t, task, { status: 'COMPLETED' }, at);
        if (d.ready.length > 0)
          await t('tasks')
            .whereIn(
              'id',
              d.ready.map((r) => r.taskId),
            )
            .update({ status: 'READY' });
        if (d.awaiting.length > 0)
          await t('tasks')
            .whereIn(
              'id',
              d.awaiting.map((r) => r.taskId),
            )
            .update({ status: 'AWAITING_APPROVAL' });
        if (!d.ends) return { value: d.ready, events: d.events, patch: d.patch };
        const end = decide.finished(d.ends, await aggregate(sql, wf, at), await workflowError(sql, wf.id), at);
        return { value: d.ready, events: [...d.events, ...end.events], patch: { ...d.patch, ...end.patch } };
      });
    },

    /**
     * rerunTask: on an ended workflow, the task (with its new description, if given) and its
     * transitive dependents run again; each keeps its earlier run in its history. Returns the READY ones.
     */
    rerunTask(tenant: string, taskId: string, description: string | null): Promise<Committed<ReadyTask[]>> {
      const text = description == null ? null : toStorableText(description);
      return onTask<ReadyTask[]>(tenant, taskId, async (t, task, graph, wf, at) => {
        const d = steer.rerun(wf, graph, task.key, policy);
        const ids = d.resets.map((r) => r.id);
        const old = await t('tasks').whereIn('id', ids).select('id', 'attempts', 'output', 'error', 'started_at', 'completed_at', 'history');
        const byId = new Map(old.map((r) => [r.id, r]));
        for (const r of d.resets) {
          const o = byId.get(r.id)!;
          const history = fromJson<unknown[] | null>(o.history) ?? [];
          // A task that never ran (skipped, cancelled before it started) has no run to keep.
          if (o.started_at != null || o.output != null) {
            history.push({
              attempt: num(o.attempts),
              output: o.output,
              error: o.error,
              startedAt: o.started_at == null ? null : num(o.started_at),
              completedAt: o.completed_at == null ? null : num(o.completed_at),
            });
          }
          await t('tasks')
            .where({ id: r.id })
            .update({ ...resetColumns(r, at), history: toJson(history), ...(r.id === task.id && text !== null ? { description: text } : {}) });
        }
        return { value: d.ready, events: d.events, patch: d.patch };
      });
    },

    /** EXECUTING -> PAUSED. */
    pause(id: string, by: DecidedBy): Promise<Committed<ReadyTask[]>> {
      return transition(knex, conns, now, id, async (_t, wf) => ({ value: [], ...steer.pause(wf, by) }));
    },

    /**
     * PAUSED -> EXECUTING; returns the tasks to queue: READY ones (made runnable while paused, or whose
     * claim the pause refused), and RUNNING ones, which a process that died while the workflow was
     * paused left behind (its restart's recovery skipped them: they were not EXECUTING). With
     * `runningBefore` (a shared queue) only those claimed before then, as the recovery does; queueing
     * one a live process still runs is harmless otherwise (a dispatcher never runs a task twice at once).
     */
    resume(id: string, by: DecidedBy, opts: { runningBefore?: number } = {}): Promise<Committed<ReadyTask[]>> {
      return transition(knex, conns, now, id, async (t, wf) => {
        const waiting = () =>
          t('tasks')
            .where({ workflow_id: id })
            .where((q) => {
              q.where('status', 'READY');
              if (opts.runningBefore === undefined) q.orWhere('status', 'RUNNING');
              else q.orWhere((r) => r.where('status', 'RUNNING').andWhere('updated_at', '<', opts.runningBefore!));
            })
            .select('id', 'key', 'agent', 'order_index', 'approval');
        const rows = wf.status === 'PAUSED' ? await waiting() : [];
        const d = steer.resume(
          wf,
          rows.map((r) => toReady(r, id)),
          by,
        );
        return { value: d.ready, events: d.events, patch: d.patch };
      });
    },

    /** AWAITING_REVIEW -> READY (returned, to queue) with the feedback stored for its next prompt. */
    requestChanges(tenant: string, taskId: string, by: DecidedBy, feedback: string): Promise<Committed<ReadyTask[]>> {
      const text = toStorableText(feedback);
      return onTask<ReadyTask[]>(tenant, taskId, async (t, task, _graph, wf, at) => {
        const d = steer.changesRequested(wf, task, by, text);
        await move(t, task, { status: 'READY', feedback: text }, at);
        return { value: [d.ready], events: d.events };
      });
    },

    /** AWAITING_APPROVAL or AWAITING_REVIEW -> REJECTED; transitive dependents SKIPPED; the run ends FAILED once the rest is final. */
    reject(tenant: string, taskId: string, by: DecidedBy, reason: string): Promise<Committed<ReadyTask[]>> {
      const why = toStorableText(reason);
      return onTask<ReadyTask[]>(tenant, taskId, async (t, task, graph, wf, at, sql) => {
        const d = steer.reject(wf, task, graph, by, why);
        await move(t, task, { status: 'REJECTED', lease: null, error: why, completed_at: at }, at);
        if (d.skipped.length > 0)
          await t('tasks')
            .whereIn(
              'id',
              d.skipped.map((r) => r.id),
            )
            .update({ status: 'SKIPPED', error: d.reason, completed_at: at, updated_at: at });
        if (!d.ends) return { value: [], events: d.events, patch: d.patch };
        const end = decide.finished(d.ends, await aggregate(sql, wf, at), d.patch.error ?? (await workflowError(sql, wf.id)), at);
        return { value: [], events: [...d.events, ...end.events], patch: { ...d.patch, ...end.patch } };
      });
    },
  };
}
