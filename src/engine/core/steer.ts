import { InvalidStateError } from '../../errors.ts';
import type { DecidedBy, ReadyTask, TaskStatus, TokenUsage } from '../types.ts';
import { transitiveDependents } from '../../planning/dag.ts';
import { complete, fail, progressWith } from './decide.ts';
import { BudgetExceededError } from '../../errors.ts';
import { assertRoom, PAUSED_BY_BUDGET } from './budget.ts';
import { admit } from './policy.ts';
import { add, type Decision, draft, type EnginePolicy, type EventDraft, type TaskReset, type TaskRow, type WorkflowPatch, type WorkflowRow } from './types.ts';

/**
 * A person's decisions on a task that waits (issue #14), and the hold after a run. Pure, like
 * decide.ts: each is called inside the transaction that holds the workflow's lock, with the task
 * row as that transaction read it, so two decisions on one task are serialized and the second
 * finds the task no longer waiting (INVALID_STATE): a decision takes effect once.
 */

const ref = (t: { id: string; key: string; agent: string }) => ({ taskId: t.id, key: t.key, agent: t.agent });
const decided = (by: DecidedBy, comment: string | null) => ({ by: { keyId: by.keyId, keyName: by.keyName }, comment });

function expect(wf: WorkflowRow, task: TaskRow, allowed: TaskStatus[], decision: string) {
  if (!allowed.includes(task.status)) {
    throw new InvalidStateError(`task ${task.key} is ${task.status}; ${decision} needs a task that is ${allowed.join(' or ')}`, { status: task.status });
  }
  if (wf.status !== 'EXECUTING' && wf.status !== 'PAUSED') {
    throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; decisions are taken on an EXECUTING or PAUSED workflow`, { status: wf.status });
  }
}

/** The hold after a run (AFTER_RUN): the output is written, the task AWAITING_REVIEW, its dependents wait. */
export function heldForReview(task: { taskId: string; key: string; agent: string }, output: string, usage: TokenUsage): { events: EventDraft[]; patch: WorkflowPatch } {
  return {
    events: [draft('task_awaiting_review', { taskId: task.taskId, key: task.key, agent: task.agent, output })],
    patch: { inputTokens: add(usage.input), outputTokens: add(usage.output), costUsd: add(usage.costUsd ?? 0) },
  };
}

/** AWAITING_APPROVAL -> READY: the task runs. */
export function approveRun(wf: WorkflowRow, task: TaskRow, by: DecidedBy, comment: string | null): { events: EventDraft[]; ready: ReadyTask } {
  expect(wf, task, ['AWAITING_APPROVAL'], 'approveTask');
  return {
    events: [draft('task_approved', { ...ref(task), ...decided(by, comment) })],
    ready: { taskId: task.id, workflowId: wf.id, key: task.key, agent: task.agent, orderIndex: task.orderIndex, approval: task.approval },
  };
}

/**
 * AWAITING_REVIEW -> COMPLETED: decided as a completion (its usage was counted when the output was
 * written), with the dependents whose last dependency it was (`runnable`).
 */
export function approveReview(wf: WorkflowRow, task: TaskRow, output: string, runnable: ReadyTask[], by: DecidedBy, comment: string | null, policy: EnginePolicy): Decision {
  expect(wf, task, ['AWAITING_REVIEW'], 'approveTask');
  const d = complete(wf, [{ taskId: task.id, key: task.key, agent: task.agent, output, durationMs: 0, usage: { input: 0, output: 0 } }], runnable, policy);
  return { ...d, events: [draft('task_approved', { ...ref(task), ...decided(by, comment) }), ...d.events] };
}

/** AWAITING_REVIEW -> READY: the task runs again, its prompt carrying its previous output and the feedback. */
export function changesRequested(wf: WorkflowRow, task: TaskRow, by: DecidedBy, feedback: string): { events: EventDraft[]; ready: ReadyTask } {
  expect(wf, task, ['AWAITING_REVIEW'], 'requestChanges');
  return {
    events: [draft('task_changes_requested', { ...ref(task), ...decided(by, feedback) })],
    ready: { taskId: task.id, workflowId: wf.id, key: task.key, agent: task.agent, orderIndex: task.orderIndex, approval: task.approval },
  };
}

/**
 * AWAITING_APPROVAL or AWAITING_REVIEW -> REJECTED: decided as a failure (transitive dependents
 * SKIPPED, independent branches go on, the run ends FAILED naming the task and the reason).
 */
export function reject(wf: WorkflowRow, task: TaskRow, graph: TaskRow[], by: DecidedBy, reason: string): Decision & { skipped: TaskRow[]; reason: string } {
  expect(wf, task, ['AWAITING_APPROVAL', 'AWAITING_REVIEW'], 'rejectTask');
  const claimed = {
    taskId: task.id,
    workflowId: wf.id,
    tenant: wf.tenant,
    key: task.key,
    agent: task.agent,
    description: '',
    request: '',
    dependsOn: task.dependsOn,
    attempt: 0,
    lease: '',
  };
  const d = fail(wf, claimed, reason, graph);
  const skipReason = `dependency ${task.key} was rejected`;
  const events = d.events.map((e) => {
    if (e.kind === 'task_failed') return draft('task_rejected', { ...ref(task), ...decided(by, reason) });
    if (e.kind === 'task_skipped') return draft('task_skipped', { ...e.payload, reason: skipReason });
    return e;
  });
  const patch = { ...d.patch };
  if (wf.failedTasks === 0) patch.error = `task ${task.key} (@${task.agent}) was rejected: ${reason}`;
  return { ...d, events, patch, reason: skipReason };
}

/** EXECUTING -> PAUSED: no task starts (claims are refused); running tasks finish and are recorded. */
export function pause(wf: WorkflowRow, by: DecidedBy): { events: EventDraft[]; patch: WorkflowPatch } {
  if (wf.status !== 'EXECUTING') throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; only an EXECUTING workflow can be paused`, { status: wf.status });
  return { events: [draft('paused', { ...decided(by, null) })], patch: { status: 'PAUSED' } };
}

/** PAUSED -> EXECUTING: the tasks left READY meanwhile (`waiting`) run. */
export function resume(wf: WorkflowRow, waiting: ReadyTask[], by: DecidedBy): { events: EventDraft[]; patch: WorkflowPatch; ready: ReadyTask[] } {
  if (wf.status !== 'PAUSED') throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; only a PAUSED workflow can be resumed`, { status: wf.status });
  // A run its budget paused goes on only with more room (setBudget resumes it then).
  if (wf.budgetState & PAUSED_BY_BUDGET) throw new BudgetExceededError(`workflow ${wf.id} was paused by its budget; raise the budget with setBudget to resume it`);
  assertRoom(wf, wf.usage);
  return { events: [draft('resumed', { ...decided(by, null) })], patch: { status: 'EXECUTING' }, ready: [...waiting].sort((a, b) => a.orderIndex - b.orderIndex) };
}

/**
 * rerunTask: on an ended workflow, `key` and its transitive dependents run again (each keeps its
 * earlier runs in its history); every other task keeps its state and output.
 */
export function rerun(wf: WorkflowRow, graph: TaskRow[], key: string, policy: EnginePolicy): Decision & { resets: TaskReset[] } {
  if (wf.status !== 'COMPLETED' && wf.status !== 'FAILED' && wf.status !== 'CANCELLED') {
    throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; only a COMPLETED, FAILED or CANCELLED workflow can rerun a task`, { status: wf.status });
  }
  const dependents = Object.fromEntries(graph.map((r) => [r.key, r.dependents]));
  const again = new Set([key, ...transitiveDependents(dependents, key)]);
  const rows = graph.filter((r) => again.has(r.key)).sort((a, b) => a.orderIndex - b.orderIndex);
  const kept = graph.filter((r) => !again.has(r.key));
  const done = new Set(kept.filter((r) => r.status === 'COMPLETED').map((r) => r.key));
  const remaining = new Map(rows.map((r) => [r.id, r.dependsOn.filter((k) => !done.has(k)).length]));
  const runnable = rows
    .filter((r) => remaining.get(r.id) === 0)
    .map((r) => ({ taskId: r.id, workflowId: wf.id, key: r.key, agent: r.agent, orderIndex: r.orderIndex, approval: r.approval }));
  const { ready, held, awaiting, waits } = admit(policy, wf, runnable);
  const isReady = new Set(ready.map((r) => r.taskId));
  const isAwaiting = new Set(awaiting.map((r) => r.taskId));
  const failed = kept.filter((r) => r.status === 'FAILED' || r.status === 'REJECTED').length;
  return {
    resets: rows.map((r) => ({ id: r.id, status: isReady.has(r.id) ? 'READY' : isAwaiting.has(r.id) ? 'AWAITING_APPROVAL' : 'PENDING', remaining: remaining.get(r.id)! })),
    events: [draft('started', { total: wf.totalTasks }), draft('progress', progressWith(done.size, wf.totalTasks, wf.usage)), ...waits],
    patch: { status: 'EXECUTING', error: null, results: null, completedAt: null, finishedTasks: kept.length, completedTasks: done.size, failedTasks: failed },
    ready,
    held,
    awaiting,
    ends: null,
  };
}
