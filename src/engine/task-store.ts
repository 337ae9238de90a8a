import type { Db } from '../db/orm.ts';
import { fromJson, num } from '../db/sql.ts';
import type { Sql } from '../db/raw.ts';
import { transitiveDependents } from '../planning/dag.ts';
import { createBatcher } from './batcher.ts';
import { earlyStarts, startedSeqs } from './early-starts.ts';
import { createOutputCache } from './output-cache.ts';
import { claimRows, completeMany, type DependentRow, finishIfDone, giveBack, keptClaims, ref } from './task-rows.ts';
import { add, type Committed, draft, type EventDraft, sqlTransition, sqlTransitionFused, transition, type WorkflowLockRow } from './transition.ts';
import type { ClaimedTask, Completion, DependencyOutput, ReadyTask, Slots, StartContinued, TaskOutcome } from './types.ts';
import { type Clock, progress } from './workflow-store.ts';
import { toStorableText } from '../text.ts';

/** Task-level transitions. A runner holds a lease; a write with a lease that is no longer the task's is refused (returns null). */
export function createTaskStore(db: Db, clock: Clock, slots: Slots = { reserve: () => false, unreserve: () => {} }, startContinued?: StartContinued) {
  const now = () => clock.now();
  const outputs = createOutputCache(db);
  /** Slots for these ready tasks of one completion, in plan order, where this process has them; their agents go in `taken`. */
  const reserveFor = (ready: ReadyTask[], taken: string[]) => ready.filter((r) => slots.reserve(r.agent) && taken.push(r.agent) > 0);

  const claimBatched = createBatcher<{ task: ReadyTask; early?: StartContinued }, Committed<ClaimedTask | null>>(async (workflowId, items) => {
    const batch = items.map((i) => i.task);
    const unique = [...new Map(batch.map((b) => [b.taskId, b])).values()];
    // A task asked for twice in one batch goes to its first caller; the other gets null.
    const firstCaller = new Map<string, number>();
    batch.forEach((t, i) => firstCaller.has(t.taskId) || firstCaller.set(t.taskId, i));
    const isFirst = (i: number) => firstCaller.get(batch[i]!.taskId) === i;
    const early = earlyStarts();
    const started = (claimed: Map<string, ClaimedTask>) => ({
      value: claimed,
      events: [...claimed.values()].map((c) => draft('task_started', { ...ref(c), attempt: c.attempt })),
    });
    const statuses = `'READY', 'RUNNING'`;
    let c: Committed<Map<string, ClaimedTask>>;
    try {
      c = await (db.dialect === 'postgresql'
        ? sqlTransitionFused(db, now, workflowId, async (sql, at, lock) => {
            const { claimed } = await claimRows(sql, lock, unique, statuses, at, clock.id());
            // Each claimed task's runner may start its model call now, while the claim commits.
            items.forEach(({ task, early: start }, i) => {
              const mine = isFirst(i) ? claimed.get(task.taskId) : undefined;
              if (mine && start) start({ ready: task, task: mine, startedSeq: early.gate(task.taskId) });
            });
            return started(claimed);
          }, { reserve: unique.length })
        : sqlTransition(db, now, workflowId, async (sql, wf, at) =>
            wf.status === 'EXECUTING' ? started((await claimRows(sql, wf, unique, statuses, at, clock.id())).claimed) : { value: new Map<string, ClaimedTask>() },
          { reserve: unique.length }));
    } catch (err) {
      early.failed();
      throw err;
    }
    early.committed(c.events);
    // Each caller gets its own task and its own task_started event.
    const startedBy = new Map(c.events.map((e) => [(e.payload as { taskId: string }).taskId, e])); // task_started only
    return batch.map((task, i) => {
      const mine = isFirst(i) ? c.value.get(task.taskId) : undefined;
      const event = mine && startedBy.get(task.taskId);
      return { value: mine ?? null, events: event ? [event] : [], status: c.status, statusChanged: false, tenant: c.tenant };
    });
  });

  /**
   * Completions of one workflow that arrive together are committed in one transaction (group
   * commit), and so are the claims of the dependents this process continues with.
   */
  const completeBatched = createBatcher<{ task: ClaimedTask; outcome: TaskOutcome }, Committed<Completion | null>>(async (workflowId, batch) => {
    // One task completes once: a second completion of it in the same batch is refused.
    const seen = new Set<string>();
    const items = batch.filter(({ task }) => !seen.has(task.taskId) && seen.add(task.taskId));
    const counted = new Set(items);
    const taken: string[] = []; // agents of reserved slots
    const early = earlyStarts();
    let c: Committed<{ ready: Map<string, ReadyTask[]>; claimed: Map<string, ClaimedTask> }>;
    try {
      const step = async (sql: Sql, wf: WorkflowLockRow, ready: Map<string, ReadyTask[]>, at: number, claimedBy: { claimable: Map<string, DependentRow>; lease: string }) => {
        const claimed = new Map<string, ClaimedTask>();
        if (wf.status !== 'EXECUTING') return { value: { ready: new Map(), claimed } };
        const events: EventDraft[] = [];
        const tokens = { input: 0, output: 0 };
        let done = 0;
        for (const { task, outcome } of items) {
          if (!ready.has(task.taskId)) continue;
          done++;
          tokens.input += outcome.usage.input;
          tokens.output += outcome.usage.output;
          events.push(
            draft('task_completed', { ...ref(task), output: outcome.output, durationMs: outcome.durationMs }),
            draft('progress', progress(wf.completedTasks + done, wf.totalTasks)),
          );
        }
        if (done === 0) return { value: { ready, claimed } };
        const newlyReady = [...ready.values()].flat().sort((a, b) => a.orderIndex - b.orderIndex);
        // The countdown claimed them all: keep those this process has slots for, give back the rest.
        const mine = reserveFor(newlyReady, taken);
        for (const [id, task] of keptClaims(wf, mine, claimedBy.claimable, claimedBy.lease)) claimed.set(id, task);
        const back = newlyReady.filter((r) => !claimed.has(r.taskId));
        if (startContinued && claimed.size > 0) {
          const given = items.map(({ task, outcome }) => ({ key: task.key, agent: task.agent, output: outcome.output }));
          for (const r of newlyReady) {
            const task = claimed.get(r.taskId);
            if (!task) continue;
            taken.splice(taken.indexOf(r.agent), 1); // the run's slot now
            startContinued({ ready: r, task, startedSeq: early.gate(r.taskId), outputs: given.filter((o) => task.dependsOn.includes(o.key)) });
          }
          // The runs reach their model calls (in this turn's microtasks) before the rest of the
          // transaction is built and written: the writes then overlap the calls, not the reverse.
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (back.length > 0) await giveBack(sql, back, claimedBy.lease);
        for (const task of claimed.values()) events.push(draft('task_started', { ...ref(task), attempt: task.attempt }));
        const fin = await finishIfDone(sql, wf, wf.finishedTasks + done, wf.completedTasks + done, wf.failedTasks, at);
        return {
          value: { ready, claimed },
          events: [...events, ...fin.events.slice(1)], // fin's own progress event repeats the last one above
          patch: { ...fin.patch, input_tokens: add(tokens.input), output_tokens: add(tokens.output) },
        };
      };
      c = await (db.dialect === 'postgresql'
        ? sqlTransitionFused(db, now, workflowId, async (sql, at, lock) => {
            const lease = clock.id();
            const { ready, wf, claimable } = await completeMany(sql, workflowId, items, at, lease, lock);
            return step(sql, wf!, ready, at, { claimable, lease });
          })
        : sqlTransition(db, now, workflowId, async (sql, wf, at) => {
            const lease = clock.id();
            const { ready, claimable } = wf.status === 'EXECUTING' ? await completeMany(sql, workflowId, items, at, lease) : { ready: new Map(), claimable: new Map() };
            return step(sql, wf, ready, at, { claimable, lease });
          }));
    } catch (err) {
      for (const agent of taken) slots.unreserve(agent);
      early.failed();
      throw err;
    }
    const { ready, claimed } = c.value;
    // Reserved slots whose task was not claimed after all go back.
    const unused = [...taken];
    for (const [id, task] of claimed) if (!early.has(id)) unused.splice(unused.indexOf(task.agent), 1);
    for (const agent of unused) slots.unreserve(agent);
    const startedSeq = startedSeqs(c.events);
    for (const { task, outcome } of items) if (ready.has(task.taskId)) outputs.remember(workflowId, { key: task.key, agent: task.agent, output: outcome.output });
    early.committed(c.events);
    // The first caller publishes the whole batch's events; each caller hands on the dependents it made ready.
    return batch.map(({ task }, i) => {
      const mine = counted.has(batch[i]!) ? ready.get(task.taskId) : undefined;
      const value: Completion | null = mine
        ? {
            ready: mine.filter((r) => !claimed.has(r.taskId)),
            continued: mine
              .filter((r) => claimed.has(r.taskId) && !early.has(r.taskId))
              .map((r) => {
                const task = claimed.get(r.taskId)!;
                return { ready: r, task, startedSeq: Promise.resolve(startedSeq.get(r.taskId)!) };
              }),
          }
        : null;
      return { value, events: i === 0 ? c.events : [], status: c.status, statusChanged: i === 0 && c.statusChanged, tenant: c.tenant };
    });
  });

  return {
    /**
     * READY (or RUNNING, when taking over from a dead runner) -> RUNNING with a new lease.
     * Claims of one workflow made together (a fan-out) are committed in one transaction.
     */
    claim(task: ReadyTask, early?: StartContinued): Promise<Committed<ClaimedTask | null>> {
      return claimBatched(task.workflowId, { task, early });
    },

    /** A failed attempt that will be tried again after delayMs. */
    retrying(task: ClaimedTask, why: string, delayMs: number): Promise<Committed<boolean>> {
      const error = toStorableText(why);
      return transition(db, now, task.workflowId, async (t, _wf, at) => {
        const n = await t('tasks')
          .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
          .update({ attempts: t.raw('attempts + 1'), error, updated_at: at });
        if (n === 0) return { value: false };
        task.attempt += 1;
        return { value: true, events: [draft('task_retrying', { ...ref(task), attempt: task.attempt, error, delayMs })] };
      });
    },

    /**
     * RUNNING -> COMPLETED; dependents whose last dependency this was become READY and are returned,
     * or RUNNING when this process has a slot for them (continued). Null if the lease is gone.
     */
    complete(task: ClaimedTask, outcome: TaskOutcome): Promise<Committed<Completion | null>> {
      // A model's answer: what no store accepts becomes U+FFFD (see text.ts).
      const output = toStorableText(outcome.output);
      return completeBatched(task.workflowId, { task, outcome: output === outcome.output ? outcome : { ...outcome, output } });
    },

    /** RUNNING -> FAILED; every transitive dependent -> SKIPPED. Independent branches go on. */
    fail(task: ClaimedTask, why: string): Promise<Committed<boolean>> {
      const error = toStorableText(why);
      return transition(db, now, task.workflowId, async (t, wf, at, sql) => {
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
        const done = await finishIfDone(sql, wf, wf.finishedTasks + 1 + skipped.length, wf.completedTasks, wf.failedTasks + 1, at);
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

    /**
     * Gives a task back (shutdown): RUNNING -> READY so it runs again elsewhere or at the next start.
     * Its claim's attempt is given back too: a shutdown is no failure of the task.
     */
    async release(task: ClaimedTask): Promise<boolean> {
      const n = await db
        .knex('tasks')
        .where({ id: task.taskId, lease: task.lease, status: 'RUNNING' })
        .update({ status: 'READY', lease: null, attempts: db.knex.raw('CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END'), updated_at: now() });
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

    /**
     * The outputs of these tasks of one workflow, in order: those given, then those this process
     * completed, then the rest from the database (reads for one workflow made together are one query).
     */
    dependencyOutputs(workflowId: string, keys: string[], given: DependencyOutput[] = []): Promise<DependencyOutput[]> {
      return outputs.outputs(workflowId, keys, given);
    },
  };
}

export type TaskStore = ReturnType<typeof createTaskStore>;
