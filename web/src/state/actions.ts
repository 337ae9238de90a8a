import type { Role, WorkflowStatus } from '../__generated__/operations.ts';

/**
 * Which workflow actions a role may take in a state. Pure. New actions (pause, resume, replan,
 * editPlan, rerunTask, approvals) slot in as rows of ACTIONS once the schema has their mutations.
 */
export type WorkflowAction = 'start' | 'cancel' | 'retry';

/** VIEWER: queries and subscriptions only (schema.graphql, enum Role). */
export const canOperate = (role: Role | null): boolean => role === 'OPERATOR' || role === 'ADMIN';

const ACTIONS: Record<WorkflowAction, { label: string; allowedIn: readonly WorkflowStatus[] }> = {
  start: { label: 'Start', allowedIn: ['PLANNED'] },
  cancel: { label: 'Cancel', allowedIn: ['PLANNING', 'PLANNED', 'EXECUTING'] },
  retry: { label: 'Retry', allowedIn: ['FAILED', 'CANCELLED'] },
};

/** The actions to offer, in button order. */
export function availableActions(role: Role | null, status: WorkflowStatus): Array<{ action: WorkflowAction; label: string }> {
  if (!canOperate(role)) return [];
  return (Object.keys(ACTIONS) as WorkflowAction[]).filter((a) => ACTIONS[a].allowedIn.includes(status)).map((action) => ({ action, label: ACTIONS[action].label }));
}
