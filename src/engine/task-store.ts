import type { Knex } from '@mikro-orm/knex';
import type { Db } from '../db/orm.ts';
import { fromJson, num } from '../db/sql.ts';
import { type Committed, draft, type EventDraft, transition, type WorkflowLockRow } from './transition.ts';
import type { ReadyTask, TaskStatus, TokenUsage, WorkflowResults } from './types.ts';
import { createBatcher } from './batcher.ts';
import { type Clock, progress } from './workflow-store.ts';
import { transitiveDependents } from '../planning/dag.ts';

export interface ClaimedTask {
  taskId: string;
  workflowId: string;
  key: string;
  agent: string;
  description: string;
  request: string;
  dependsOn: string[];
  attempt: number;
  lease: string;
}

export interface TaskOutcome {
  output: string;
  usage: TokenUsage;
  durationMs: number;
}

/** Task-level transitions. A runner holds a lease; a write with a lease that is no longer the task's is refused (returns null). */
export function createTaskStore(db: Db, clock: Clock) {
  const now = () => clock.now();
  const ref = (task: { taskId: string; key: string; agent: string }) => ({ taskId: task.taskId, key: task.key, agent: task.agent });

  /** Ends the run if every task is final; returns the events and patch that says so. */
  async function finishIfDone(t: Knex.Transaction, wf: WorkflowLockRow, finished: number, completed: number, failed: number, at: number) {
    const patch: Record<string, unknown> = { finished_tasks: finished, completed_tasks: completed, failed_tasks: failed };
    const events: EventDraft[] = [draft('progress', progress(completed, wf.totalTasks))];
    if (finished < wf.totalTasks) return { patch, events };
    const results = await aggregate(t, wf, at);
    patch.results = JSON.stringify(results);
    patch.completed_at = at;
    if (failed === 0) {
      patch.status = 'COMPLETED';
      events.push(draft('completed', { results }));
    } else {
      patch.status = 'FAILED';
      const error = (await t('workflows').where({ id: wf.id }).first('error'))?.error ?? `${failed} task(s) failed`;
      events.push(draft('failed', { error }));
    }
    return { patch, events };
  }

  const claimBatched = createBatcher<ReadyTask, Committed<ClaimedTask | null>>(async (workflowId, batch) => {
    const unique = [...new Map(batch.map((b) => [b.taskId, b])).values()];
    const c = await transition(db, now, workflowId, async (t, wf, at) => {
      const none = new Map<string, ClaimedTask>();
      if (wf.status !== 'EXECUTING') return { value: none };
      const lease = clock.id();
      const rows = await t('tasks')
        .whereIn('id', unique.map((b) => b.taskId))
        .whereIn('status', ['READY', 'RUNNING'])
        .update({ status: 'RUNNING', lease, attempts: t.raw('attempts + 1'), started_at: at, updated_at: at })
        .returning(['id', 'description', 'depends_on', 'attempts']);
      const byId = new Map(rows.map((r) => [r.id as string, r]));
      const claimed = new Map<string, ClaimedTask>();
      for (const task of unique) {
        const row = byId.get(task.taskId);
        if (!row) continue;
        claimed.set(task.taskId, {
          ...ref(task), workflowId, description: row.description, request: wf.description,
          dependsOn: fromJson<string[]>(row.depends_on), attempt: num(row.attempts), lease,
        });
      }
      return { value: claimed, events: [...claimed.values()].map((c) => draft('task_started', { ...ref(c), attempt: c.attempt })) };
    }, { reserve: unique.length });
    // Each caller gets its own task and its own task_started event.
    const seen = new Set<string>();
    const startedBy = new Map(c.events.map((e) => [(e.payload as { taskId: string }).taskId, e]));
    return batch.map((task) => {
      const mine = seen.has(task.taskId) ? undefined : c.value.get(task.taskId);
      seen.add(task.taskId);
      const event = mine && startedBy.get(task.taskId);
      return { value: mine ?? null, events: event ? [event] : [], status: c.status, statusChanged: false };
    });
  });

  /** One task RUNNING -> COMPLETED inside a transaction; returns the dependents it made READY, or null if its lease is gone. */
  async function completeOne(t: Knex.Transaction, task: ClaimedTask, outcome: TaskOutcome, at: number): Promise<ReadyTask[] | null> {
    const rows = await t('tasks')
      .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
      .update({
        status: 'COMPLETED', lease: null, output: outcome.output, error: null, completed_at: at, updated_at: at,
        duration_ms: outcome.durationMs, input_tokens: outcome.usage.input, output_tokens: outcome.usage.output,
      })
      .returning(['dependents']);
    if (rows.length === 0) return null;
    const dependents = fromJson<string[]>(rows[0]!.dependents);
    if (dependents.length === 0) return [];
    // Atomic per row: of two dependencies finishing at once, exactly one sees the count reach zero.
    const updated = await t('tasks')
      .where({ workflow_id: task.workflowId })
      .whereIn('key', dependents)
      .update({
        remaining_deps: t.raw('remaining_deps - 1'),
        status: t.raw(`CASE WHEN remaining_deps = 1 AND status = 'PENDING' THEN 'READY' ELSE status END`),
        updated_at: at,
      })
      .returning(['id', 'key', 'agent', 'order_index', 'status', 'remaining_deps']);
    return updated
      .filter((r) => r.status === 'READY' && num(r.remaining_deps) === 0)
      .map((r) => ({ taskId: r.id, workflowId: task.workflowId, key: r.key, agent: r.agent, orderIndex: num(r.order_index) }))
      .sort((a, b) => a.orderIndex - b.orderIndex);
  }

  /** Completions of one workflow that arrive together are committed in one transaction (group commit). */
  const completeBatched = createBatcher<{ task: ClaimedTask; outcome: TaskOutcome }, Committed<ReadyTask[] | null>>(async (workflowId, items) => {
    const c = await transition(db, now, workflowId, async (t, wf, at) => {
      const value: Array<ReadyTask[] | null> = [];
      if (wf.status !== 'EXECUTING') return { value: items.map(() => null) };
      const events: EventDraft[] = [];
      const tokens = { input: 0, output: 0 };
      let done = 0;
      for (const { task, outcome } of items) {
        const ready = await completeOne(t, task, outcome, at);
        value.push(ready);
        if (!ready) continue;
        done++;
        tokens.input += outcome.usage.input;
        tokens.output += outcome.usage.output;
        events.push(
          draft('task_completed', { ...ref(task), output: outcome.output, durationMs: outcome.durationMs }),
          draft('progress', progress(wf.completedTasks + done, wf.totalTasks)),
        );
      }
      if (done === 0) return { value };
      const fin = await finishIfDone(t, wf, wf.finishedTasks + done, wf.completedTasks + done, wf.failedTasks, at);
      return {
        value,
        events: [...events, ...fin.events.slice(1)], // fin's own progress event repeats the last one above
        patch: { ...fin.patch, input_tokens: t.raw('input_tokens + ?', [tokens.input]), output_tokens: t.raw('output_tokens + ?', [tokens.output]) },
      };
    });
    // The first caller publishes the whole batch's events; each caller dispatches its own ready dependents.
    return items.map((_, i) => ({ value: c.value[i] ?? null, events: i === 0 ? c.events : [], status: c.status, statusChanged: i === 0 && c.statusChanged }));
  });

  return {
    /**
     * READY (or RUNNING, when taking over from a dead runner) -> RUNNING with a new lease.
     * Claims of one workflow made together (a fan-out) are committed in one transaction.
     */
    claim(task: ReadyTask): Promise<Committed<ClaimedTask | null>> {
      return claimBatched(task.workflowId, task);
    },

    /** A failed attempt that will be tried again after delayMs. */
    retrying(task: ClaimedTask, error: string, delayMs: number): Promise<Committed<boolean>> {
      return transition(db, now, task.workflowId, async (t, _wf, at) => {
        const n = await t('tasks')
          .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
          .update({ attempts: t.raw('attempts + 1'), error, updated_at: at });
        if (n === 0) return { value: false };
        task.attempt += 1;
        return { value: true, events: [draft('task_retrying', { ...ref(task), attempt: task.attempt, error, delayMs })] };
      });
    },

    /** RUNNING -> COMPLETED; dependents whose last dependency this was become READY and are returned. */
    complete(task: ClaimedTask, outcome: TaskOutcome): Promise<Committed<ReadyTask[] | null>> {
      return completeBatched(task.workflowId, { task, outcome });
    },

    /** RUNNING -> FAILED; every transitive dependent -> SKIPPED. Independent branches go on. */
    fail(task: ClaimedTask, error: string): Promise<Committed<boolean>> {
      return transition(db, now, task.workflowId, async (t, wf, at) => {
        if (wf.status !== 'EXECUTING') return { value: false };
        const n = await t('tasks')
          .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
          .update({ status: 'FAILED', lease: null, error, completed_at: at, updated_at: at });
        if (n === 0) return { value: false };
        const graph = await t('tasks').where({ workflow_id: task.workflowId }).select('id', 'key', 'agent', 'status', 'dependents', 'order_index');
        const byKey = new Map(graph.map((r) => [r.key as string, r]));
        const dependents = Object.fromEntries(graph.map((r) => [r.key as string, fromJson<string[]>(r.dependents)]));
        const skipped = transitiveDependents(dependents, task.key)
          .map((k) => byKey.get(k)!)
          .filter((r) => r.status === 'PENDING')
          .sort((a, b) => num(a.order_index) - num(b.order_index));
        const reason = `dependency ${task.key} failed`;
        if (skipped.length > 0) {
          await t('tasks').whereIn('id', skipped.map((r) => r.id)).update({ status: 'SKIPPED', error: reason, completed_at: at, updated_at: at });
        }
        const message = `task ${task.key} (@${task.agent}) failed: ${error}`;
        const firstError = wf.failedTasks === 0 ? { error: message } : {};
        if (firstError.error) await t('workflows').where({ id: wf.id }).update(firstError);
        const done = await finishIfDone(t, wf, wf.finishedTasks + 1 + skipped.length, wf.completedTasks, wf.failedTasks + 1, at);
        return {
          value: true,
          events: [
            draft('task_failed', { ...ref(task), error }),
            ...skipped.map((r) => draft('task_skipped', { taskId: r.id, key: r.key, agent: r.agent, reason })),
            ...done.events,
          ],
          patch: { ...done.patch, ...firstError },
        };
      });
    },

    /** Gives a task back (shutdown): RUNNING -> READY so it runs again elsewhere or at the next start. */
    async release(task: ClaimedTask): Promise<boolean> {
      const n = await db
        .knex('tasks')
        .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
        .update({ status: 'READY', lease: null, updated_at: now() });
      return n > 0;
    },

    /**
     * The READY dependents of a COMPLETED task of an EXECUTING workflow. A runner whose claim was
     * refused hands these on: the process that completed the task may have died before it queued
     * them (its job then runs again elsewhere), and queueing a READY task twice is harmless.
     */
    async readyDependents(task: ReadyTask): Promise<ReadyTask[]> {
      const row = await db.knex('tasks').where({ id: task.taskId, status: 'COMPLETED' }).first('dependents');
      const keys = row ? fromJson<string[]>(row.dependents) : [];
      if (keys.length === 0) return [];
      const rows = await db
        .knex('tasks as t')
        .join('workflows as w', 'w.id', 't.workflow_id')
        .where({ 't.workflow_id': task.workflowId, 't.status': 'READY', 'w.status': 'EXECUTING' })
        .whereIn('t.key', keys)
        .orderBy('t.order_index')
        .select({ taskId: 't.id', key: 't.key', agent: 't.agent', orderIndex: 't.order_index' });
      return rows.map((r) => ({ taskId: r.taskId, workflowId: task.workflowId, key: r.key, agent: r.agent, orderIndex: num(r.orderIndex) }));
    },

    async dependencyOutputs(workflowId: string, keys: string[]) {
      if (keys.length === 0) return [];
      const rows = await db.knex('tasks').where({ workflow_id: workflowId }).whereIn('key', keys).select('key', 'agent', 'output');
      const byKey = new Map(rows.map((r) => [r.key as string, r]));
      return keys.map((k) => ({ key: k, agent: byKey.get(k)?.agent as string, output: (byKey.get(k)?.output as string | null) ?? '' }));
    },
  };
}

async function aggregate(t: Knex.Transaction, wf: WorkflowLockRow, at: number): Promise<WorkflowResults> {
  const rows = await t('tasks')
    .where({ workflow_id: wf.id })
    .orderBy('order_index')
    .select('key', 'agent', 'description', 'status', 'output', 'error', 'duration_ms', 'attempts', 'input_tokens', 'output_tokens');
  const tokens = rows.reduce((s, r) => ({ i: s.i + num(r.input_tokens), o: s.o + num(r.output_tokens) }), { i: 0, o: 0 });
  return {
    tasks: rows.map((r) => ({
      key: r.key, agent: r.agent, description: r.description, status: r.status as TaskStatus, output: r.output, error: r.error,
      durationMs: r.duration_ms == null ? null : num(r.duration_ms), attempts: num(r.attempts),
    })),
    totals: {
      durationMs: wf.startedAt == null ? null : at - wf.startedAt,
      tasks: rows.length,
      completed: rows.filter((r) => r.status === 'COMPLETED').length,
      inputTokens: tokens.i,
      outputTokens: tokens.o,
      totalTokens: tokens.i + tokens.o,
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
