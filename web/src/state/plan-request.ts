/** The request box's fields as planWorkflow's input. Pure. */
import type { ApprovalMode, PlanWorkflowInput } from '../__generated__/operations.ts';
import { budgetFieldsOf, parseBudget } from './budget.ts';

/** The approval modes offered, in menu order. */
export const APPROVALS: Array<{ value: ApprovalMode; label: string }> = [
  { value: 'NONE', label: 'none' },
  { value: 'BEFORE_RUN', label: 'approve each task before it runs' },
  { value: 'AFTER_RUN', label: 'review each task’s output' },
];

/**
 * The request as planWorkflow's input, from the form's fields; an error message when a field is
 * invalid. No limit given: no budget is sent, so the server's defaults (DEFAULT_BUDGET_*) apply.
 */
export function planInput(data: FormData, idempotencyKey: string): { input: PlanWorkflowInput } | { error: string } {
  const text = String(data.get('request') ?? '').trim();
  if (!text) return { error: 'Type what to build.' };
  const budget = parseBudget(budgetFieldsOf(data));
  if (!budget.ok) return { error: budget.error };
  const approval = APPROVALS.find((a) => a.value === data.get('approval'))?.value ?? 'NONE';
  return {
    input: { request: text, autoStart: data.get('autoStart') === 'on', approval, idempotencyKey, ...(budget.empty ? {} : { budget: budget.budget }) },
  };
}
