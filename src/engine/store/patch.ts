import { isAdd, type WorkflowPatch } from '../core/types.ts';

/** Each field of a workflow patch and its column: the one place a patch becomes SQL. */
const COLUMNS: { [K in keyof Required<WorkflowPatch>]: string } = {
  status: 'status',
  error: 'error',
  plan: 'plan',
  results: 'results',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  totalTasks: 'total_tasks',
  finishedTasks: 'finished_tasks',
  completedTasks: 'completed_tasks',
  failedTasks: 'failed_tasks',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  costUsd: 'cost_usd',
  budget: 'budget',
  budgetState: 'budget_state',
};

/** `UPDATE workflows SET …` for a patch, and the workflow's new last seq. */
export function updateWorkflow(id: string, patch: WorkflowPatch, lastSeq: number): [string, unknown[]] {
  const sets: string[] = [];
  const params: unknown[] = [];
  for (const [field, value] of Object.entries(patch) as Array<[keyof WorkflowPatch, unknown]>) {
    if (value === undefined) continue;
    const c = COLUMNS[field];
    sets.push(isAdd(value) ? `${c} = ${c} + ?` : `${c} = ?`);
    params.push(isAdd(value) ? value.add : (field === 'results' || field === 'budget') && value !== null ? JSON.stringify(value) : value);
  }
  return [`UPDATE workflows SET ${[...sets, 'last_seq = ?'].join(', ')} WHERE id = ?`, [...params, lastSeq, id]];
}

export const isEmpty = (patch: WorkflowPatch) => Object.values(patch).every((v) => v === undefined);
