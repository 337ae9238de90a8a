import { decide } from '../core/index.ts';
import type { DoneTask, EnginePolicy, WorkflowRow } from '../core/types.ts';
import type { ClaimedTask, ContinuedTask, ReadyTask, TaskOutcome } from '../types.ts';
import { aggregate, type Countdown, giveBack, toClaimed, workflowError } from './rows.ts';
import type { Sql } from './sql.ts';
import { mergeCalls, storeCalls } from './usage.ts';
import type { StepResult } from './transition.ts';

/** Room for tasks to run in this process now: the scheduler's slots, taken one per task. */
export interface Room {
  take(agent: string): boolean;
}

export interface CompletionItem {
  task: ClaimedTask;
  outcome: TaskOutcome;
}

/** What a completion committed: per completed task, the dependents to queue; and those claimed to run here. */
export interface Completed {
  ready: Map<string, ReadyTask[]>;
  claimed: Map<string, ClaimedTask>;
}

export interface CompletionContext {
  policy: EnginePolicy;
  lease: string;
  room: Room;
  /**
   * Gets each claimed dependent as soon as its claim is written, before the commit, so its model
   * call overlaps the rest of the transaction (see ContinuedTask): the scheduler runs it.
   */
  written?: (k: Omit<ContinuedTask, 'startedSeq'>) => void;
}

/**
 * The part of a completion both adapters share, after their statements completed the tasks and
 * counted down the dependents (`counted`): the core decides, this writes what it decided.
 */
export async function completionStep(sql: Sql, wf: WorkflowRow, items: CompletionItem[], counted: Countdown, at: number, ctx: CompletionContext): Promise<StepResult<Completed>> {
  const claimed = new Map<string, ClaimedTask>();
  if (!decide.completable(wf)) return { value: { ready: new Map(), claimed } };
  const done: DoneTask[] = [];
  for (const { task, outcome } of items) {
    if (counted.ready.has(task.taskId)) done.push({ ...task, output: outcome.output, durationMs: outcome.durationMs, usage: outcome.usage });
  }
  if (done.length === 0) return { value: { ready: counted.ready, claimed } };
  // The last parts of the completed tasks' model calls are recorded with their outcome.
  const isDone = new Set(done.map((t) => t.taskId));
  await storeCalls(sql, mergeCalls(items.flatMap(({ task, outcome }) => (isDone.has(task.taskId) ? (outcome.calls ?? []) : []))), at);
  const d = decide.complete(wf, done, [...counted.ready.values()].flat(), ctx.policy);
  // The countdown claimed them all: keep those this process has room for, give back the rest.
  // While PAUSED nothing starts: the dependents wait READY, and resumeWorkflow queues them.
  const paused = wf.status === 'PAUSED';
  for (const r of paused ? [] : d.ready) if (ctx.room.take(r.agent)) claimed.set(r.taskId, toClaimed(r, wf, counted.claimable.get(r.taskId)!, ctx.lease));
  if (ctx.written && claimed.size > 0) {
    const given = done.map((t) => ({ key: t.key, agent: t.agent, output: t.output }));
    for (const r of d.ready) {
      const task = claimed.get(r.taskId);
      if (task) ctx.written({ ready: r, task, outputs: given.filter((o) => task.dependsOn.includes(o.key)) });
    }
    // The runs reach their model calls (in this turn's microtasks) before the rest of the
    // transaction is built and written: the writes then overlap the calls, not the reverse.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await giveBack(
    sql,
    d.ready.filter((r) => !claimed.has(r.taskId)),
    ctx.lease,
    'READY',
  );
  await giveBack(sql, d.held, ctx.lease, 'PENDING');
  await giveBack(sql, d.awaiting, ctx.lease, 'AWAITING_APPROVAL');
  const admitted = new Set(paused ? [] : d.ready.map((r) => r.taskId));
  const ready = new Map([...counted.ready].map(([id, list]) => [id, list.filter((r) => admitted.has(r.taskId))]));
  const events = [...d.events, ...decide.claimed(claimed.values())];
  let patch = d.patch;
  if (d.ends) {
    const end = decide.finished(d.ends, await aggregate(sql, wf, at), await workflowError(sql, wf.id), at);
    events.push(...end.events);
    patch = { ...patch, ...end.patch };
  }
  return { value: { ready, claimed }, events, patch };
}
