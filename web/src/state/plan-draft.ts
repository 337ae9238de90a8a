import type { ApprovalMode, EditPlanInput } from '../__generated__/operations.ts';
import type { TaskView } from './workflow-view.ts';
import { NO_USAGE } from './budget.ts';

/**
 * A plan being edited (editPlan on a PLANNED workflow): the full desired task list. Pure. The server
 * validates it; the page shows its PLAN_INVALID error on the node it names, so nothing here refuses
 * a draft (an unknown dependency or a cycle is the server's to report).
 */
export interface DraftTask {
  key: string;
  agent: string;
  description: string;
  dependsOn: string[];
  approval: ApprovalMode;
}

export const draftOf = (tasks: readonly TaskView[]): DraftTask[] =>
  tasks.map((t) => ({ key: t.key, agent: t.agent, description: t.description, dependsOn: [...t.dependsOn], approval: t.approval }));

/** A new task with the next free numeric key, given to the last task's agent. */
export function addTask(draft: readonly DraftTask[]): DraftTask[] {
  const numbers = draft.map((t) => Number(t.key)).filter((n) => Number.isInteger(n));
  let n = Math.max(0, ...numbers) + 1;
  while (draft.some((t) => t.key === String(n))) n++;
  return [...draft, { key: String(n), agent: draft.at(-1)?.agent ?? 'backend', description: '', dependsOn: [], approval: 'NONE' }];
}

/** Removes a task; its dependents lose it as a dependency (they keep their others). */
export const removeTask = (draft: readonly DraftTask[], key: string): DraftTask[] =>
  draft.filter((t) => t.key !== key).map((t) => (t.dependsOn.includes(key) ? { ...t, dependsOn: t.dependsOn.filter((d) => d !== key) } : t));

export const updateTask = (draft: readonly DraftTask[], key: string, change: Partial<DraftTask>): DraftTask[] => draft.map((t) => (t.key === key ? { ...t, ...change } : t));

/** "1, 2 3" → ["1", "2", "3"]: keys split on commas and spaces. */
export const parseKeys = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

export const toEditPlanInput = (draft: readonly DraftTask[], revision: number): EditPlanInput => ({
  revision,
  tasks: draft.map((t) => ({ key: t.key, agent: t.agent, description: t.description, dependsOn: t.dependsOn, approval: t.approval })),
});

/** The draft as nodes: tasks of the plan keep their view, new ones are PENDING. */
export function draftViews(draft: readonly DraftTask[], tasks: readonly TaskView[]): TaskView[] {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  return draft.map((d) => {
    const t = byKey.get(d.key);
    const base: TaskView = t ?? {
      id: `draft:${d.key}`,
      key: d.key,
      description: '',
      agent: '',
      status: 'PENDING',
      attempts: 0,
      startedAt: null,
      completedAt: null,
      durationMs: null,
      output: '',
      outputIndex: -1,
      error: null,
      dependsOn: [],
      usage: NO_USAGE,
      approval: 'NONE',
      history: [],
    };
    return { ...base, agent: d.agent, description: d.description, dependsOn: d.dependsOn, approval: d.approval };
  });
}
