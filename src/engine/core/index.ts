/** The engine's pure core: decisions of every transition, and the policy seam. Imports nothing that does I/O. */
export * from './types.ts';
export * from './policy.ts';
export * as decide from './decide.ts';
export { progress } from './decide.ts';
export * as steer from './steer.ts';
export { editPlan, type EditableTask, type PlanEdit, type ReplanMode } from './edit-plan.ts';
export * as replan from './replan.ts';
export type { ReplanFrom, ReplanRequest } from './replan.ts';
export * as budget from './budget.ts';
export type { Budget, BudgetAction, UsageTotals } from './budget.ts';
