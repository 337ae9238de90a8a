import type { Knex } from '@mikro-orm/knex';
import type { Db } from '../db/orm.ts';
import { fromJson, num } from '../db/sql.ts';
import { inList, jsonRows, rawQuery, type Sql } from '../db/raw.ts';
import {
  add, type Committed, draft, type EventDraft, type FusedLock, lockedRows, sqlTransition, sqlTransitionFused, transition, whileLocked, type WorkflowLockRow,
} from './transition.ts';
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

export interface DependencyOutput {
  key: string;
  agent: string;
  output: string;
}

/**
 * A task claimed to run in this process at once: a dependent claimed in the transaction that
 * completed its last dependency, or (given to StartContinued) a queued task as its claim is written.
 */
export interface ContinuedTask {
  ready: ReadyTask;
  task: ClaimedTask;
  /**
   * The seq of its task_started event once the claim is committed and the completion's events are
   * being published; null if the transaction did not commit (the claim never happened).
   */
  startedSeq: Promise<number | null>;
  /**
   * Outputs of its dependencies completed in this transaction: not committed yet when the task
   * starts, so they are not read from the database but passed on (the others are committed).
   */
  outputs?: DependencyOutput[];
}

/**
 * Takes a continued task as soon as its claim is written, before the commit, so its model call
 * overlaps the rest of the transaction: it must not write, publish or stream before `startedSeq`
 * resolves, and must stop if that is null. The slot reserved for it is the run's from then on.
 */
export type StartContinued = (k: ContinuedTask) => void;

/** What a completion made runnable: dependents to queue, and dependents this process continues with. */
export interface Completion {
  ready: ReadyTask[];
  continued: ContinuedTask[];
}

/** Slots of the process that completes a task, for the dependents it can run itself (see Dispatcher.reserve). */
export interface Slots {
  reserve(agent: string): boolean;
  unreserve(agent: string): void;
}

export interface TaskOutcome {
  output: string;
  usage: TokenUsage;
  durationMs: number;
}

/** The rows of a batch of completions, as `completeMany` passes them. */
const DONE_COLUMNS = { tid: 'uuid', tlease: 'text', toutput: 'text', tms: 'int', tin: 'int', tout: 'int' };

interface DoneRow {
  id: string;
  dependents: unknown;
}
interface DependentRow {
  id: string;
  key: string;
  agent: string;
  order_index: unknown;
  status: string;
  remaining_deps: unknown;
  /** PostgreSQL: a dependent the countdown claimed (RUNNING under `lease`). */
  description?: string;
  depends_on?: unknown;
  attempts?: unknown;
}

/**
 * Runs started before their transaction commits (PostgreSQL), each behind a gate: opened with the
 * seq of its task_started once committed, on the next turn, after the callers have issued the
 * publish of the transaction's events (they run in this turn's microtasks); closed (null) if the
 * transaction failed.
 */
function earlyStarts() {
  const started: Array<{ id: string; open: (seq: number | null) => void }> = [];
  return {
    gate(taskId: string): Promise<number | null> {
      let open!: (seq: number | null) => void;
      const seq = new Promise<number | null>((resolve) => (open = resolve));
      started.push({ id: taskId, open });
      return seq;
    },
    has: (taskId: string) => started.some((s) => s.id === taskId),
    committed(events: Array<{ kind: string; seq: number; payload: unknown }>) {
      if (started.length === 0) return;
      const seqs = new Map(events.filter((e) => e.kind === 'task_started').map((e) => [(e.payload as { taskId: string }).taskId, e.seq]));
      setImmediate(() => started.forEach((s) => s.open(seqs.get(s.id) ?? null)));
    },
    failed: () => started.forEach((s) => s.open(null)),
  };
}

/** Task-level transitions. A runner holds a lease; a write with a lease that is no longer the task's is refused (returns null). */
export function createTaskStore(db: Db, clock: Clock, slots: Slots = { reserve: () => false, unreserve: () => {} }, startContinued?: StartContinued) {
  const now = () => clock.now();
  const ref = (task: { taskId: string; key: string; agent: string }) => ({ taskId: task.taskId, key: task.key, agent: task.agent });

  /** Ends the run if every task is final; returns the events and patch that says so. */
  async function finishIfDone(sql: Sql, wf: WorkflowLockRow, finished: number, completed: number, failed: number, at: number) {
    const patch: Record<string, unknown> = { finished_tasks: finished, completed_tasks: completed, failed_tasks: failed };
    const events: EventDraft[] = [draft('progress', progress(completed, wf.totalTasks))];
    if (finished < wf.totalTasks) return { patch, events };
    const results = await aggregate(sql, wf, at);
    patch.results = JSON.stringify(results);
    patch.completed_at = at;
    if (failed === 0) {
      patch.status = 'COMPLETED';
      events.push(draft('completed', { results }));
    } else {
      patch.status = 'FAILED';
      const [row] = await sql.all<{ error: string | null }>('SELECT error FROM workflows WHERE id = ?', [wf.id]);
      events.push(draft('failed', { error: row?.error ?? `${failed} task(s) failed` }));
    }
    return { patch, events };
  }

  /**
   * READY (or RUNNING) -> RUNNING with a new lease, for the given tasks; the claimed ones by id.
   * Given a FusedLock instead of the locked row (PostgreSQL), it takes the lock in the same statement
   * and claims only if the workflow is EXECUTING; it returns the row it locked.
   */
  async function claimRows(sql: Sql, locked: WorkflowLockRow | FusedLock, tasks: ReadyTask[], statuses: string, at: number) {
    const lease = clock.id();
    const [ids, list] = inList(sql.dialect, 'id', tasks.map((r) => r.taskId));
    const lock = 'cte' in locked ? locked : undefined;
    const claim = (guard: string) => `UPDATE tasks SET status = 'RUNNING', lease = ?, attempts = attempts + 1, started_at = ?, updated_at = ?
       WHERE ${ids} AND status IN (${statuses})${guard}
       RETURNING id, description, depends_on, attempts`;
    type Row = { id: string; description: string; depends_on: unknown; attempts: unknown };
    let rows: Row[];
    let wf: WorkflowLockRow;
    if (lock) {
      ({ wf, rows } = await lockedRows<Row>(sql, lock, `c AS (${claim(` AND ${whileLocked('EXECUTING')}`)})`, { id: 'uuid', description: 'text', depends_on: 'jsonb', attempts: 'int' },
        `SELECT 'task', NULL::jsonb, id, description, depends_on, attempts FROM c`, [lease, at, at, list]));
      // The fused statement sees the tasks as they were when it began: if it waited for the lock,
      // a task that the lock's holder made READY meanwhile (a start queues its roots before it
      // commits) did not match. Holding the lock now, a second statement sees it.
      if (wf.status === 'EXECUTING' && rows.length < tasks.length) {
        const got = new Set(rows.map((r) => r.id));
        const [, rest] = inList(sql.dialect, 'id', tasks.filter((t) => !got.has(t.taskId)).map((t) => t.taskId));
        rows.push(...(await sql.all<Row>(claim(''), [lease, at, at, rest])));
      }
    } else {
      wf = locked as WorkflowLockRow;
      rows = await sql.all<Row>(claim(''), [lease, at, at, list]);
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    const claimed = new Map<string, ClaimedTask>();
    for (const task of tasks) {
      const row = byId.get(task.taskId);
      if (!row) continue;
      claimed.set(task.taskId, {
        ...ref(task), workflowId: wf.id, description: row.description, request: wf.description,
        dependsOn: fromJson<string[]>(row.depends_on), attempt: num(row.attempts), lease,
      });
    }
    return { claimed, wf };
  }

  const claimBatched = createBatcher<{ task: ReadyTask; early?: StartContinued }, Committed<ClaimedTask | null>>(async (workflowId, items) => {
    const batch = items.map((i) => i.task);
    const unique = [...new Map(batch.map((b) => [b.taskId, b])).values()];
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
            const { claimed } = await claimRows(sql, lock, unique, statuses, at);
            // Each claimed task's runner may start its model call now, while the claim commits.
            // Only a task's first caller gets it (as below).
            const first = new Set<string>();
            for (const { task, early: start } of items) {
              const mine = first.has(task.taskId) ? undefined : claimed.get(task.taskId);
              first.add(task.taskId);
              if (mine && start) start({ ready: task, task: mine, startedSeq: early.gate(task.taskId) });
            }
            return started(claimed);
          }, { reserve: unique.length })
        : sqlTransition(db, now, workflowId, async (sql, wf, at) =>
            wf.status === 'EXECUTING' ? started((await claimRows(sql, wf, unique, statuses, at)).claimed) : { value: new Map<string, ClaimedTask>() },
          { reserve: unique.length }));
    } catch (err) {
      early.failed();
      throw err;
    }
    early.committed(c.events);
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

  /**
   * Outputs of tasks this process completed, for their dependents' prompts: a COMPLETED task's
   * output never changes, so a copy is as good as a read. Oldest dropped past the budget.
   */
  const recent = new Map<string, DependencyOutput>();
  let recentChars = 0;
  const RECENT_CHARS = 20_000_000;
  const remember = (workflowId: string, o: DependencyOutput) => {
    recent.set(`${workflowId}/${o.key}`, o);
    recentChars += o.output.length;
    for (const [k, old] of recent) {
      if (recentChars <= RECENT_CHARS) break;
      recent.delete(k);
      recentChars -= old.output.length;
    }
  };
  const recalled = (workflowId: string, keys: string[]) => keys.map((k) => recent.get(`${workflowId}/${k}`));

  const readOutputs = createBatcher<string[], DependencyOutput[]>(async (workflowId, lists) => {
    const wanted = [...new Set(lists.flat())];
    const rows = await rawQuery(db, (sql) => {
      const [keys, list] = inList(sql.dialect, 'key', wanted);
      return sql.all<{ key: string; agent: string; output: string | null }>(`SELECT key, agent, output FROM tasks WHERE workflow_id = ? AND ${keys}`, [workflowId, list]);
    });
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return lists.map((keys) => keys.map((k) => ({ key: k, agent: byKey.get(k)?.agent as string, output: byKey.get(k)?.output ?? '' })));
  });

  /**
   * Tasks RUNNING -> COMPLETED inside a transaction, in two statements whatever their number:
   * the tasks, then their dependents' counters. Returns, per task id whose lease still held, the
   * dependents it made READY (in plan order). On PostgreSQL, with the workflow's lock in the same
   * statement (`lock`), and the workflow row it read.
   */
  async function completeMany(sql: Sql, workflowId: string, items: Array<{ task: ClaimedTask; outcome: TaskOutcome }>, at: number, lock?: FusedLock) {
    const [done, doneRows] = jsonRows(sql.dialect, 'd', DONE_COLUMNS, items.map(({ task, outcome }) => ({
      tid: task.taskId, tlease: task.lease, toutput: outcome.output, tms: outcome.durationMs, tin: outcome.usage.input, tout: outcome.usage.output,
    })));
    const completeTasks = `UPDATE tasks SET status = 'COMPLETED', lease = NULL, output = d.toutput, error = NULL, completed_at = ?, updated_at = ?,
         duration_ms = d.tms, input_tokens = d.tin, output_tokens = d.tout
       FROM ${done} WHERE tasks.id = d.tid AND tasks.lease = d.tlease AND tasks.status = 'RUNNING'${sql.dialect === 'postgresql' ? ` AND ${whileLocked('EXECUTING')}` : ''}
       RETURNING tasks.id, tasks.dependents`;
    // Atomic per row: of two dependencies finishing at once in two transactions, exactly one sees the
    // count reach zero. On PostgreSQL a dependent whose count reaches zero is claimed at once (RUNNING
    // under `lease`); the caller gives back the ones this process has no slot for (SET sees the old row).
    const reached = `remaining_deps = c.n AND status = 'PENDING'`;
    const countDown = `UPDATE tasks SET remaining_deps = remaining_deps - c.n,
         status = CASE WHEN ${reached} THEN 'RUNNING' ELSE status END,
         lease = CASE WHEN ${reached} THEN ? ELSE lease END,
         attempts = CASE WHEN ${reached} THEN attempts + 1 ELSE attempts END,
         started_at = CASE WHEN ${reached} THEN ? ELSE started_at END, updated_at = ?
       FROM c WHERE tasks.workflow_id = ? AND tasks.key = c.k
       RETURNING tasks.id, tasks.key, tasks.agent, tasks.order_index, tasks.status, tasks.remaining_deps, tasks.description, tasks.depends_on, tasks.attempts`;
    const lease = clock.id();
    let completed: DoneRow[];
    let updated: DependentRow[];
    let wf: WorkflowLockRow | undefined;
    if (sql.dialect === 'postgresql') {
      if (!lock) throw new Error('completions on PostgreSQL take the lock in their statement');
      // One round trip, the lock included: the tasks change only once it is taken (they depend on
      // wf), and the rows changed are disjoint (a dependent of a task being completed is still PENDING).
      const columns = {
        id: 'uuid', dependents: 'jsonb', key: 'text', agent: 'text', order_index: 'int', status: 'text', remaining_deps: 'int',
        description: 'text', depends_on: 'jsonb', attempts: 'int',
      };
      const locked = await lockedRows<DoneRow & DependentRow & { part: string }>(
        sql, lock,
        `done AS (${completeTasks}),
           c AS (SELECT k, count(*)::int AS n FROM done, jsonb_array_elements_text(done.dependents) AS k GROUP BY k),
           upd AS (${countDown})`,
        columns,
        `SELECT 'done', NULL::jsonb, id, dependents, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM done
         UNION ALL SELECT 'dep', NULL::jsonb, id, NULL, key, agent, order_index, status, remaining_deps, description, depends_on, attempts FROM upd`,
        [at, at, doneRows, lease, at, at, workflowId],
      );
      wf = locked.wf;
      completed = locked.rows.filter((r) => r.part === 'done');
      updated = locked.rows.filter((r) => r.part === 'dep');
    } else {
      // SQLite runs in this process: a prepared statement per row costs microseconds, while its
      // planner would join UPDATE … FROM json_each() by scanning the tasks once per row.
      completed = [];
      for (const { task, outcome } of items) {
        completed.push(...(await sql.all<DoneRow>(
          `UPDATE tasks SET status = 'COMPLETED', lease = NULL, output = ?, error = NULL, completed_at = ?, updated_at = ?,
             duration_ms = ?, input_tokens = ?, output_tokens = ?
           WHERE id = ? AND lease = ? AND status = 'RUNNING' RETURNING id, dependents`,
          [outcome.output, at, at, outcome.durationMs, outcome.usage.input, outcome.usage.output, task.taskId, task.lease],
        )));
      }
      const counts = new Map<string, number>();
      for (const row of completed) for (const k of fromJson<string[]>(row.dependents)) counts.set(k, (counts.get(k) ?? 0) + 1);
      updated = [];
      for (const [k, n] of counts) {
        updated.push(...(await sql.all<DependentRow>(
          `UPDATE tasks SET remaining_deps = remaining_deps - ?,
             status = CASE WHEN remaining_deps = ? AND status = 'PENDING' THEN 'READY' ELSE status END, updated_at = ?
           WHERE workflow_id = ? AND key = ? RETURNING id, key, agent, order_index, status, remaining_deps`,
          [n, n, at, workflowId, k],
        )));
      }
    }
    const ready = new Map<string, ReadyTask[]>();
    const madeReadyBy = new Map<string, string>(); // dependent key -> the completed task that counted last
    for (const row of completed) {
      ready.set(row.id, []);
      for (const k of fromJson<string[]>(row.dependents)) madeReadyBy.set(k, row.id);
    }
    // Made ready by this transaction (on PostgreSQL, and claimed by it: see countDown).
    const madeReady = sql.dialect === 'postgresql' ? 'RUNNING' : 'READY';
    const claimable = new Map<string, DependentRow>();
    for (const r of updated.sort((x, y) => num(x.order_index) - num(y.order_index))) {
      if (r.status !== madeReady || num(r.remaining_deps) !== 0) continue;
      ready.get(madeReadyBy.get(r.key)!)!.push({ taskId: r.id, workflowId, key: r.key, agent: r.agent, orderIndex: num(r.order_index) });
      claimable.set(r.id, r);
    }
    return { ready, wf, claimable, lease };
  }

  /**
   * PostgreSQL: of the dependents the countdown claimed, keeps those this process has slots for
   * (plan order); `giveBack` returns the others to READY for the queue, in one statement.
   */
  function keepClaimed(sql: Sql, wf: WorkflowLockRow, ready: ReadyTask[], claimable: Map<string, DependentRow>, lease: string, taken: string[]) {
    const mine = ready.filter((r) => slots.reserve(r.agent) && taken.push(r.agent) > 0);
    const kept = new Set(mine.map((r) => r.taskId));
    const back = ready.filter((r) => !kept.has(r.taskId));
    const giveBack = async () => {
      if (back.length === 0) return;
      const [ids, list] = inList(sql.dialect, 'id', back.map((r) => r.taskId));
      await sql.run(`UPDATE tasks SET status = 'READY', lease = NULL, attempts = attempts - 1, started_at = NULL WHERE ${ids} AND lease = ?`, [list, lease]);
    };
    const claimed = new Map<string, ClaimedTask>();
    for (const r of mine) {
      const row = claimable.get(r.taskId)!;
      claimed.set(r.taskId, {
        ...ref(r), workflowId: wf.id, description: row.description!, request: wf.description,
        dependsOn: fromJson<string[]>(row.depends_on), attempt: num(row.attempts), lease,
      });
    }
    return { claimed, giveBack };
  }

  /**
   * Claims, in the completing transaction, the newly ready dependents this process has slots for
   * (plan order); the rest stay READY for the queue. Returns the claimed ones by task id.
   */
  async function continueWith(sql: Sql, wf: WorkflowLockRow, ready: ReadyTask[], taken: string[], at: number) {
    const mine = ready.filter((r) => slots.reserve(r.agent) && taken.push(r.agent) > 0);
    return mine.length === 0 ? new Map<string, ClaimedTask>() : (await claimRows(sql, wf, mine, `'READY'`, at)).claimed;
  }

  /**
   * Completions of one workflow that arrive together are committed in one transaction (group
   * commit), and so are the claims of the dependents this process continues with.
   */
  const completeBatched = createBatcher<{ task: ClaimedTask; outcome: TaskOutcome }, Committed<Completion | null>>(async (workflowId, batch) => {
    // One task completes once: a second completion of it in the same batch is refused.
    const seen = new Set<string>();
    const items = batch.filter(({ task }) => !seen.has(task.taskId) && seen.add(task.taskId));
    const taken: string[] = []; // agents of reserved slots
    const early = earlyStarts();
    let c: Committed<{ ready: Map<string, ReadyTask[]>; claimed: Map<string, ClaimedTask> }>;
    try {
      const step = async (sql: Sql, wf: WorkflowLockRow, ready: Map<string, ReadyTask[]>, at: number, claimedBy?: { claimable: Map<string, DependentRow>; lease: string }) => {
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
        let giveBack: (() => Promise<void>) | undefined;
        if (claimedBy) {
          const kept = keepClaimed(sql, wf, newlyReady, claimedBy.claimable, claimedBy.lease, taken);
          for (const [id, task] of kept.claimed) claimed.set(id, task);
          giveBack = kept.giveBack;
        } else {
          for (const [id, task] of await continueWith(sql, wf, newlyReady, taken, at)) claimed.set(id, task);
        }
        // Worth it where the rest of the transaction is round trips to a server; SQLite's run in this thread.
        if (startContinued && claimed.size > 0 && sql.dialect === 'postgresql') {
          const mine = items.map(({ task, outcome }) => ({ key: task.key, agent: task.agent, output: outcome.output }));
          for (const r of newlyReady) {
            const task = claimed.get(r.taskId);
            if (!task) continue;
            taken.splice(taken.indexOf(r.agent), 1); // the run's slot now
            startContinued({ ready: r, task, startedSeq: early.gate(r.taskId), outputs: mine.filter((o) => task.dependsOn.includes(o.key)) });
          }
        }
        await giveBack?.();
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
            const { ready, wf, claimable, lease } = await completeMany(sql, workflowId, items, at, lock);
            return step(sql, wf!, ready, at, { claimable, lease });
          })
        : sqlTransition(db, now, workflowId, async (sql, wf, at) =>
            wf.status === 'EXECUTING' ? step(sql, wf, (await completeMany(sql, workflowId, items, at)).ready, at) : step(sql, wf, new Map(), at),
          ));
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
    const startedSeq = new Map(c.events.filter((e) => e.kind === 'task_started').map((e) => [(e.payload as { taskId: string }).taskId, e.seq]));
    for (const { task, outcome } of items) if (ready.has(task.taskId)) remember(workflowId, { key: task.key, agent: task.agent, output: outcome.output });
    early.committed(c.events);
    // The first caller publishes the whole batch's events; each caller hands on the dependents it made ready.
    return batch.map(({ task }, i) => {
      const mine = items.includes(batch[i]!) ? ready.get(task.taskId) : undefined;
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
      return { value, events: i === 0 ? c.events : [], status: c.status, statusChanged: i === 0 && c.statusChanged };
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

    /**
     * RUNNING -> COMPLETED; dependents whose last dependency this was become READY and are returned,
     * or RUNNING when this process has a slot for them (continued). Null if the lease is gone.
     */
    complete(task: ClaimedTask, outcome: TaskOutcome): Promise<Committed<Completion | null>> {
      return completeBatched(task.workflowId, { task, outcome });
    },

    /** RUNNING -> FAILED; every transitive dependent -> SKIPPED. Independent branches go on. */
    fail(task: ClaimedTask, error: string): Promise<Committed<boolean>> {
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

    /**
     * The outputs of these tasks of one workflow, in order: those given, then those this process
     * completed, then the rest from the database (reads for one workflow made together are one query).
     */
    async dependencyOutputs(workflowId: string, keys: string[], given: DependencyOutput[] = []): Promise<DependencyOutput[]> {
      if (keys.length === 0) return [];
      const have = recalled(workflowId, keys).map((o, i) => given.find((g) => g.key === keys[i]) ?? o);
      const missing = keys.filter((_, i) => !have[i]);
      if (missing.length === 0) return have as DependencyOutput[];
      const read = new Map((await readOutputs(workflowId, missing)).map((o) => [o.key, o]));
      return keys.map((k, i) => have[i] ?? read.get(k)!);
    },
  };
}

async function aggregate(sql: Sql, wf: WorkflowLockRow, at: number): Promise<WorkflowResults> {
  // Rows as the driver returns them (bigint columns are strings from PostgreSQL).
  const rows = await sql.all<Record<string, any>>(
    `SELECT key, agent, description, status, output, error, duration_ms, attempts, input_tokens, output_tokens
     FROM tasks WHERE workflow_id = ? ORDER BY order_index`,
    [wf.id],
  );
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
