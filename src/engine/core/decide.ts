import { InvalidStateError } from '../../errors.ts';
import { transitiveDependents } from '../../planning/dag.ts';
import { ACTIVE_WORKFLOW, type ClaimedTask, type ReadyTask, type WorkflowResults } from '../types.ts';
import { assertRoom, plus, type UsageTotals, usagePayload } from './budget.ts';
import { admit } from './policy.ts';
import { add, type Decision, type DoneTask, draft, type EnginePolicy, type EventDraft, type TaskReset, type TaskRow, type WorkflowPatch, type WorkflowRow } from './types.ts';

/**
 * The engine's decisions: rows in, decisions out. Each is called by a store adapter inside the
 * transaction that holds the workflow's lock, with the rows that transaction read; the adapter
 * writes what comes back. Nothing here reads a clock, a database or the network.
 */

const ref = (t: { taskId: string; key: string; agent: string }) => ({ taskId: t.taskId, key: t.key, agent: t.agent });
const byOrder = <T extends { orderIndex: number }>(a: T, b: T) => a.orderIndex - b.orderIndex;
const nothing = (): Decision => ({ events: [], patch: {}, ready: [], held: [], awaiting: [], ends: null });

/** The progress event's payload: the one place it is computed. */
export const progress = (completed: number, total: number) => ({
  completed,
  total,
  percent: total === 0 ? 0 : Math.round((completed / total) * 1000) / 10,
});

/** The progress event's payload with the workflow's usage. */
export const progressWith = (completed: number, total: number, usage: UsageTotals) => ({ ...progress(completed, total), usage: usagePayload(usage) });

/** PLANNED -> EXECUTING: `roots` (tasks with no dependencies, in plan order) may run, unless held. */
export function start(wf: WorkflowRow, roots: ReadyTask[], now: number, policy: EnginePolicy): Decision {
  if (wf.status !== 'PLANNED') throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; only a PLANNED workflow can be started`, { status: wf.status });
  assertRoom(wf, wf.usage); // its planning may have spent the budget
  const { waits, ...admitted } = admit(policy, wf, [...roots].sort(byOrder));
  return {
    ...admitted,
    events: [draft('started', { total: wf.totalTasks }), draft('progress', progressWith(wf.completedTasks, wf.totalTasks, wf.usage)), ...waits],
    patch: { status: 'EXECUTING', startedAt: now, error: null },
    ends: null,
  };
}

/** Whether this task's output, once written, waits for a review (the policy's hold after a run). */
export const holdsAfterRun = (policy: EnginePolicy, task: ClaimedTask) => policy.holdAfterRun(task);

/** Whether tasks of this workflow may be claimed now. */
export const claimable = (wf: WorkflowRow) => wf.status === 'EXECUTING';

/** Whether a running task's end (output, failure) is recorded: also while PAUSED, where running tasks finish. */
export const completable = (wf: WorkflowRow) => wf.status === 'EXECUTING' || wf.status === 'PAUSED';

/** The events of tasks claimed (each a new attempt). */
export const claimed = (tasks: Iterable<ClaimedTask>): EventDraft[] => [...tasks].map((t) => draft('task_started', { ...ref(t), attempt: t.attempt }));

/**
 * RUNNING -> COMPLETED for `done` (those whose lease still held), with the dependents whose last
 * dependency they were (`runnable`, from the store's atomic countdown). The run ends when every
 * task is final.
 */
export function complete(wf: WorkflowRow, done: DoneTask[], runnable: ReadyTask[], policy: EnginePolicy): Decision {
  if (done.length === 0) return nothing();
  const events: EventDraft[] = [];
  // Each outcome carries the part of its calls' usage not recorded yet (see CallUsage).
  const delta: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const t of done) {
    delta.inputTokens += t.usage.input;
    delta.outputTokens += t.usage.output;
    delta.costUsd += t.usage.costUsd ?? 0;
  }
  const usage = plus(wf.usage, delta);
  done.forEach((t, i) => {
    events.push(
      draft('task_completed', { ...ref(t), output: t.output, durationMs: t.durationMs }),
      draft('progress', progressWith(wf.completedTasks + i + 1, wf.totalTasks, usage)),
    );
  });
  const finished = wf.finishedTasks + done.length;
  const completedTasks = wf.completedTasks + done.length;
  const { waits, ...admitted } = admit(policy, wf, [...runnable].sort(byOrder), usage);
  return {
    ...admitted,
    events: [...events, ...waits],
    patch: { finishedTasks: finished, completedTasks, inputTokens: add(delta.inputTokens), outputTokens: add(delta.outputTokens), costUsd: add(delta.costUsd) },
    ends: finished < wf.totalTasks ? null : wf.failedTasks === 0 ? 'COMPLETED' : 'FAILED',
  };
}

/** A failed attempt that runs again after `delayMs`. */
export const retrying = (task: ClaimedTask, error: string, delayMs: number): EventDraft => draft('task_retrying', { ...ref(task), attempt: task.attempt, error, delayMs });

/** RUNNING -> FAILED (`task`, whose lease held); every PENDING transitive dependent -> SKIPPED. */
export function fail(wf: WorkflowRow, task: ClaimedTask, error: string, graph: TaskRow[]): Decision & { skipped: TaskRow[]; reason: string } {
  const byKey = new Map(graph.map((r) => [r.key, r]));
  const dependents = Object.fromEntries(graph.map((r) => [r.key, r.dependents]));
  const skipped = transitiveDependents(dependents, task.key)
    .map((k) => byKey.get(k)!)
    .filter((r) => r.status === 'PENDING')
    .sort(byOrder);
  const reason = `dependency ${task.key} failed`;
  const finished = wf.finishedTasks + 1 + skipped.length;
  const patch: WorkflowPatch = { finishedTasks: finished, completedTasks: wf.completedTasks, failedTasks: wf.failedTasks + 1 };
  // The workflow's error is its first failure's.
  if (wf.failedTasks === 0) patch.error = `task ${task.key} (@${task.agent}) failed: ${error}`;
  return {
    events: [
      draft('task_failed', { ...ref(task), error }),
      ...skipped.map((r) => draft('task_skipped', { taskId: r.id, key: r.key, agent: r.agent, reason })),
      draft('progress', progressWith(wf.completedTasks, wf.totalTasks, wf.usage)),
    ],
    patch,
    ready: [],
    held: [],
    awaiting: [],
    ends: finished < wf.totalTasks ? null : 'FAILED',
    skipped,
    reason,
  };
}

/** The end of a run whose decision said it `ends`, with its results (read by the store) and its first error. */
export function finished(ends: 'COMPLETED' | 'FAILED', results: WorkflowResults, error: string | null, now: number): { events: EventDraft[]; patch: WorkflowPatch } {
  const patch: WorkflowPatch = { status: ends, results, completedAt: now };
  if (ends === 'COMPLETED') return { events: [draft('completed', { results })], patch };
  return { events: [draft('failed', { error: error ?? `${results.tasks.filter((t) => t.status === 'FAILED').length} task(s) failed` })], patch };
}

/** Any active workflow -> CANCELLED, with its unfinished tasks (in plan order). */
export function cancel(wf: WorkflowRow, unfinished: Array<{ id: string; key: string; agent: string; orderIndex: number }>, reason: string | null, now: number) {
  if (!ACTIVE_WORKFLOW.includes(wf.status)) {
    throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; only a PLANNING, PLANNED, EXECUTING or PAUSED workflow can be cancelled`, { status: wf.status });
  }
  const tasks = [...unfinished].sort(byOrder);
  return {
    events: [...tasks.map((r) => draft('task_cancelled', { taskId: r.id, key: r.key, agent: r.agent })), draft('cancelled', { reason })],
    patch: { status: 'CANCELLED', completedAt: now } satisfies WorkflowPatch,
    cancelled: tasks.map((r) => r.id),
  };
}

/**
 * FAILED or CANCELLED -> EXECUTING again: completed tasks keep their outputs, the rest run again.
 * Tasks awaiting a person's decision keep awaiting it (their output, for a review, kept); a
 * REJECTED task was a person's decision too: it awaits approval before it runs again, whatever its mode.
 */
export function retry(wf: WorkflowRow, tasks: TaskRow[], policy: EnginePolicy): Decision & { resets: TaskReset[] } {
  if (wf.status !== 'FAILED' && wf.status !== 'CANCELLED') {
    throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; only a FAILED or CANCELLED workflow can be retried`, { status: wf.status });
  }
  if (wf.totalTasks === 0) throw new InvalidStateError(`workflow ${wf.id} has no tasks; plan it again instead`);
  assertRoom(wf, wf.usage);
  const done = new Set(tasks.filter((r) => r.status === 'COMPLETED').map((r) => r.key));
  const again = tasks.filter((r) => r.status !== 'COMPLETED' && r.status !== 'AWAITING_APPROVAL' && r.status !== 'AWAITING_REVIEW').sort(byOrder);
  const remaining = new Map(again.map((r) => [r.id, r.dependsOn.filter((k) => !done.has(k)).length]));
  const rejected = new Set(again.filter((r) => r.status === 'REJECTED').map((r) => r.id));
  const runnable = again
    .filter((r) => remaining.get(r.id) === 0)
    .map((r) => ({ taskId: r.id, workflowId: wf.id, key: r.key, agent: r.agent, orderIndex: r.orderIndex, approval: r.approval }));
  const admitted = admit(
    policy,
    wf,
    runnable.filter((r) => !rejected.has(r.taskId)),
  );
  const { ready, held } = admitted;
  const awaiting = [...admitted.awaiting, ...runnable.filter((r) => rejected.has(r.taskId))].sort(byOrder);
  const waits = awaiting.map((t) => draft('task_awaiting_approval', ref(t)));
  const isReady = new Set(ready.map((r) => r.taskId));
  const isAwaiting = new Set(awaiting.map((r) => r.taskId));
  const statusOf = (id: string) => (isReady.has(id) ? 'READY' : isAwaiting.has(id) ? 'AWAITING_APPROVAL' : 'PENDING');
  return {
    resets: again.map((r) => ({ id: r.id, status: statusOf(r.id), remaining: remaining.get(r.id)! })),
    events: [draft('started', { total: wf.totalTasks }), draft('progress', progressWith(done.size, wf.totalTasks, wf.usage)), ...waits],
    patch: { status: 'EXECUTING', error: null, results: null, completedAt: null, finishedTasks: done.size, completedTasks: done.size, failedTasks: 0 },
    ready,
    held,
    awaiting,
    ends: null,
  };
}
