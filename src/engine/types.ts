export const WORKFLOW_STATUSES = ['PLANNING', 'PLANNED', 'EXECUTING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];
export const TASK_STATUSES = ['PENDING', 'READY', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const ACTIVE_WORKFLOW: readonly WorkflowStatus[] = ['PLANNING', 'PLANNED', 'EXECUTING'];
export const UNFINISHED_TASK: readonly TaskStatus[] = ['PENDING', 'READY', 'RUNNING'];

/** What a dispatcher needs to queue a task; the runner loads the rest. */
export interface ReadyTask {
  taskId: string;
  workflowId: string;
  key: string;
  agent: string;
  orderIndex: number;
}

export interface TokenUsage {
  input: number;
  output: number;
}

export interface TaskResultEntry {
  key: string;
  agent: string;
  description: string;
  status: TaskStatus;
  output: string | null;
  error: string | null;
  durationMs: number | null;
  attempts: number;
}

export interface WorkflowResults {
  tasks: TaskResultEntry[];
  totals: { durationMs: number | null; tasks: number; completed: number; inputTokens: number; outputTokens: number; totalTokens: number };
}
