import type { ReadyTask } from '../types.ts';
import { crossed, type UsageTotals } from './budget.ts';
import { draft, type EnginePolicy, type EventDraft, type WorkflowRow } from './types.ts';

/** Nothing is held, no budget stops a run. */
export const RUN_EVERYTHING: EnginePolicy = {
  holdBeforeRun: () => false,
  holdAfterRun: () => false,
  afterUsage: () => 'continue',
};

/**
 * The engine's policy. Approvals (issue #14): a task waits for a person before it runs (BEFORE_RUN)
 * or after (AFTER_RUN), as its plan says. Budgets (issue #15): nothing new starts once the usage is
 * over a limit (the stop or the pause itself is decided where usage is recorded, core/budget.ts).
 */
export const APPROVALS: EnginePolicy = {
  holdBeforeRun: (task) => task.approval === 'BEFORE_RUN',
  holdAfterRun: (task) => task.approval === 'AFTER_RUN',
  afterUsage: (wf, usage) => (crossed(wf.budget, usage) ? 'hold' : 'continue'),
};

/**
 * Tasks made runnable, in plan order, split into those that may run now, those the policy holds
 * (a budget: they stay PENDING) and those awaiting a person's approval (with their events).
 */
export function admit(
  policy: EnginePolicy,
  wf: WorkflowRow,
  runnable: ReadyTask[],
  usage: UsageTotals = wf.usage,
): { ready: ReadyTask[]; held: ReadyTask[]; awaiting: ReadyTask[]; waits: EventDraft[] } {
  const none = { ready: [], held: [], awaiting: [], waits: [] };
  if (runnable.length === 0) return none;
  if (policy.afterUsage(wf, usage) === 'hold') return { ...none, held: runnable };
  const ready: ReadyTask[] = [];
  const awaiting: ReadyTask[] = [];
  for (const t of runnable) (policy.holdBeforeRun(t, wf) ? awaiting : ready).push(t);
  const waits = awaiting.map((t) => draft('task_awaiting_approval', { taskId: t.taskId, key: t.key, agent: t.agent }));
  return { ready, held: [], awaiting, waits };
}
