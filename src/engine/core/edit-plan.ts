import { ConflictError, InvalidStateError, PlanInvalidError } from '../../errors.ts';
import type { PlannedTask, ValidatedPlan } from '../../planning/types.ts';
import type { ApprovalMode, DecidedBy, ReadyTask, TaskStatus, WorkflowStatus } from '../types.ts';
import { admit } from './policy.ts';
import { replanCurrent, type ReplanFrom, type ReplanRequest } from './replan.ts';
import { draft, type EnginePolicy, type EventDraft, type WorkflowPatch, type WorkflowRow } from './types.ts';

/** A stored task as an edit compares it. */
export interface EditableTask {
  id: string;
  key: string;
  agent: string;
  description: string;
  dependsOn: string[];
  approval: ApprovalMode;
  status: TaskStatus;
}

/** What an edit writes: rows to delete, to change, to insert, and every task's graph facts afterwards. */
export interface PlanEdit {
  deletes: string[];
  /** Kept or changed tasks (by id) and new tasks (id null), in the new plan order, with their new graph facts. */
  rows: Array<{ id: string | null; task: PlannedTask; orderIndex: number; dependents: string[]; remaining: number; status: TaskStatus }>;
  ready: ReadyTask[];
  events: EventDraft[];
  patch: WorkflowPatch;
  revision: number;
  /** How the run ends with this edit, if it does (an edit during a run that leaves no task to run): the store then reads its results. */
  ends: 'COMPLETED' | 'FAILED' | null;
}

const EDITABLE_WORKFLOW: readonly WorkflowStatus[] = ['PLANNED', 'EXECUTING', 'PAUSED', 'FAILED', 'CANCELLED'];
/** Tasks that have started or finished: an edit must list them unchanged. */
const FIXED: readonly TaskStatus[] = ['RUNNING', 'COMPLETED', 'FAILED', 'AWAITING_REVIEW', 'REJECTED'];

const same = (a: EditableTask, b: PlannedTask) =>
  a.agent === b.agent &&
  a.description === b.description &&
  a.approval === (b.approval ?? 'NONE') &&
  a.dependsOn.length === b.dependsOn.length &&
  a.dependsOn.every((k) => b.dependsOn.includes(k));

/**
 * editPlan: the full desired task list (validated already) against the stored one, under the
 * workflow's lock. Started or finished tasks must appear unchanged; pending ones may change or go;
 * new ones may be added (and may depend on finished ones). A stale revision is a CONFLICT.
 */
export function editPlan(
  wf: WorkflowRow,
  currentRevision: number,
  revision: number,
  current: EditableTask[],
  desired: ValidatedPlan,
  by: DecidedBy,
  policy: EnginePolicy,
  replan?: ReplanMode,
): PlanEdit {
  if (replan) {
    if (!replanCurrent(wf, replan.pending, replan.id)) {
      throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; the replan was cancelled or replaced by a later one`, { status: wf.status });
    }
    if (revision !== currentRevision)
      throw new ConflictError(`the plan changed while it was replanned (revision ${currentRevision}, not ${revision}); replan again`, { revision: currentRevision });
    return replacePlan(wf, currentRevision, current, desired, replan.text, replan.pending!.from);
  }
  if (!EDITABLE_WORKFLOW.includes(wf.status)) throw new InvalidStateError(`workflow ${wf.id} is ${wf.status}; its plan cannot be edited now`, { status: wf.status });
  if (revision !== currentRevision)
    throw new ConflictError(`the plan is at revision ${currentRevision}, not ${revision}; read it again and edit that`, { revision: currentRevision });
  const wanted = new Map(desired.tasks.map((t) => [t.key, t]));
  for (const c of current) {
    if (!FIXED.includes(c.status)) continue;
    const w = wanted.get(c.key);
    if (!w) throw new PlanInvalidError(`task ${c.key} is ${c.status}; it cannot be removed from the plan`, { taskKey: c.key });
    if (!same(c, w)) throw new PlanInvalidError(`task ${c.key} is ${c.status}; it must appear unchanged`, { taskKey: c.key });
  }
  const byKey = new Map(current.map((c) => [c.key, c]));
  const completed = new Set(current.filter((c) => c.status === 'COMPLETED').map((c) => c.key));
  const running = wf.status === 'EXECUTING' || wf.status === 'PAUSED';
  const rows: PlanEdit['rows'] = [];
  const runnable: ReadyTask[] = [];
  desired.tasks.forEach((task, orderIndex) => {
    const old = byKey.get(task.key);
    const remaining = task.dependsOn.filter((k) => !completed.has(k)).length;
    let status: TaskStatus = old && FIXED.includes(old.status) ? old.status : running ? 'PENDING' : (old?.status ?? 'PENDING');
    if (wf.status === 'PLANNED') status = 'PENDING';
    const row = { id: old?.id ?? null, task, orderIndex, dependents: desired.dependents[task.key] ?? [], remaining, status };
    rows.push(row);
    if (running && status === 'PENDING' && remaining === 0 && old?.status !== 'READY') {
      runnable.push({ taskId: old?.id ?? `new:${task.key}`, workflowId: wf.id, key: task.key, agent: task.agent, orderIndex, approval: task.approval ?? 'NONE' });
    }
    // A READY task that stays pending stays READY (it may be queued already).
    if (running && old?.status === 'READY' && remaining === 0) row.status = 'READY';
    if (running && old?.status === 'AWAITING_APPROVAL' && remaining === 0 && same(old, task)) row.status = 'AWAITING_APPROVAL';
  });
  const admitted = admit(
    policy,
    wf,
    runnable.filter((r) => rows.find((x) => x.task.key === r.key)!.status === 'PENDING'),
  );
  for (const r of admitted.ready) rows.find((x) => x.task.key === r.key)!.status = 'READY';
  for (const r of admitted.awaiting) rows.find((x) => x.task.key === r.key)!.status = 'AWAITING_APPROVAL';
  const kept = new Set(desired.tasks.map((t) => t.key));
  const finished = rows.filter((r) => ['COMPLETED', 'FAILED', 'REJECTED', 'SKIPPED', 'CANCELLED'].includes(r.status)).length;
  const patch: WorkflowPatch = { totalTasks: desired.tasks.length };
  if (running) Object.assign(patch, { finishedTasks: finished, completedTasks: rows.filter((r) => r.status === 'COMPLETED').length });
  // An edit that leaves every task final (it removed the last pending ones) ends the run, as the last completion would have.
  const failed = rows.some((r) => r.status === 'FAILED' || r.status === 'REJECTED');
  const ends = running && finished === rows.length ? (failed ? 'FAILED' : 'COMPLETED') : null;
  return {
    ends,
    deletes: current.filter((c) => !kept.has(c.key)).map((c) => c.id),
    rows,
    ready: admitted.ready,
    events: [
      draft('plan_edited', {
        revision: currentRevision + 1,
        by,
        tasks: desired.tasks.map(({ key, agent, description, dependsOn, approval }) => ({ key, agent, description, dependsOn, approval: approval ?? 'NONE' })),
      }),
      ...admitted.waits,
    ],
    patch,
    revision: currentRevision + 1,
  };
}

/** A replan's plan applied through an edit: the orchestrator's answer, the request it answers and the request stored now (see replanCurrent). */
export interface ReplanMode {
  text: string | null;
  id: string;
  pending: ReplanRequest | null;
}

/**
 * replanWorkflow's plan, applied by the planning job to a workflow PLANNING for it: a PLANNED
 * workflow's plan replaced whole, or a FAILED or CANCELLED workflow's unfinished part replaced
 * (completed tasks must appear unchanged; every other task is PENDING again, so a retry runs
 * exactly the new part). The workflow is back in the status it was replanned from; nothing starts
 * here: the planning job starts or retries it (autoStart).
 */
function replacePlan(wf: WorkflowRow, currentRevision: number, current: EditableTask[], desired: ValidatedPlan, text: string | null, from: ReplanFrom): PlanEdit {
  const wanted = new Map(desired.tasks.map((t) => [t.key, t]));
  const completed = new Set<string>();
  if (from !== 'PLANNED') {
    for (const c of current.filter((x) => x.status === 'COMPLETED')) {
      const w = wanted.get(c.key);
      if (!w || !same(c, w)) throw new PlanInvalidError(`task ${c.key} is COMPLETED; the new plan must keep it unchanged`, { taskKey: c.key });
      completed.add(c.key);
    }
  }
  const byKey = new Map(current.map((c) => [c.key, c]));
  const rows: PlanEdit['rows'] = desired.tasks.map((task, orderIndex) => ({
    id: byKey.get(task.key)?.id ?? null,
    task,
    orderIndex,
    dependents: desired.dependents[task.key] ?? [],
    remaining: task.dependsOn.filter((k) => !completed.has(k)).length,
    status: completed.has(task.key) ? 'COMPLETED' : 'PENDING',
  }));
  const kept = new Set(desired.tasks.map((t) => t.key));
  return {
    ends: null,
    deletes: current.filter((c) => !kept.has(c.key)).map((c) => c.id),
    rows,
    ready: [],
    events: [
      draft('plan_ready', {
        plan: text,
        tasks: desired.tasks.map(({ key, agent, description, dependsOn }) => ({ key, agent, description, dependsOn })),
      }),
    ],
    patch: { status: from, plan: text, totalTasks: desired.tasks.length },
    revision: currentRevision + 1,
  };
}
