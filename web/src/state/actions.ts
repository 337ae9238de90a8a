import type { Role, TaskStatus, WorkflowStatus } from '../__generated__/operations.ts';

/**
 * Which actions a role may take in a state. Pure. Every mutation needs OPERATOR or ADMIN
 * (src/auth/roles.ts: the default for mutations); the server refuses the rest anyway, the page
 * only avoids offering them.
 */
export type WorkflowAction = 'start' | 'pause' | 'resume' | 'cancel' | 'retry' | 'replan' | 'edit';

/** VIEWER: queries and subscriptions only (schema.graphql, enum Role). */
export const canOperate = (role: Role | null): boolean => role === 'OPERATOR' || role === 'ADMIN';

const ACTIONS: Record<WorkflowAction, { label: string; allowedIn: readonly WorkflowStatus[] }> = {
  start: { label: 'Start', allowedIn: ['PLANNED'] },
  pause: { label: 'Pause', allowedIn: ['EXECUTING'] },
  resume: { label: 'Resume', allowedIn: ['PAUSED'] },
  edit: { label: 'Edit plan', allowedIn: ['PLANNED'] },
  replan: { label: 'Replan…', allowedIn: ['PLANNED', 'FAILED', 'CANCELLED'] },
  retry: { label: 'Retry', allowedIn: ['FAILED', 'CANCELLED'] },
  cancel: { label: 'Cancel', allowedIn: ['PLANNING', 'PLANNED', 'EXECUTING', 'PAUSED'] },
};

/** The actions to offer, in button order. */
export function availableActions(role: Role | null, status: WorkflowStatus): Array<{ action: WorkflowAction; label: string }> {
  if (!canOperate(role)) return [];
  return (Object.keys(ACTIONS) as WorkflowAction[]).filter((a) => ACTIONS[a].allowedIn.includes(status)).map((action) => ({ action, label: ACTIONS[action].label }));
}

export type TaskDecision = 'approve' | 'changes' | 'reject';

/**
 * Decisions on a task awaiting one (approveTask, requestChanges, rejectTask): changes only once its
 * output is written. Decisions are taken on an EXECUTING or PAUSED workflow.
 */
export function availableDecisions(role: Role | null, workflow: WorkflowStatus, task: TaskStatus): TaskDecision[] {
  if (!canOperate(role) || (workflow !== 'EXECUTING' && workflow !== 'PAUSED')) return [];
  if (task === 'AWAITING_APPROVAL') return ['approve', 'reject'];
  if (task === 'AWAITING_REVIEW') return ['approve', 'changes', 'reject'];
  return [];
}

/** rerunTask: on an ended workflow, a task that ran (or was due to) runs again with its dependents. */
export const canRerun = (role: Role | null, workflow: WorkflowStatus): boolean =>
  canOperate(role) && (workflow === 'COMPLETED' || workflow === 'FAILED' || workflow === 'CANCELLED');
