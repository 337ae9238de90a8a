/**
 * Workflow events. Every kind but `task_output` is stored in the event log with
 * a per-workflow `seq` (1, 2, 3, … without gaps) in the same transaction as the
 * state change it reports, and published only after that commit.
 * `task_output` chunks are live-only: they carry the seq of the latest stored
 * event of their task (its task_started) and a chunk `index`; the event hub
 * gives each a cursor after the newest stored event before it (cursor.ts).
 */
export const EVENT_KINDS = [
  'created',
  'planning',
  'plan_ready',
  'started',
  'progress',
  'task_started',
  'task_output',
  'task_tool_call',
  'task_tool_result',
  'task_retrying',
  'task_completed',
  'task_failed',
  'task_skipped',
  'task_cancelled',
  'task_awaiting_approval',
  'task_awaiting_review',
  'task_approved',
  'task_changes_requested',
  'task_rejected',
  'completed',
  'failed',
  'cancelled',
  'paused',
  'resumed',
  'plan_edited',
  'budget_warning',
  'budget_exceeded',
  'budget_set',
  'replan_failed',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface TaskRef {
  taskId: string;
  key: string;
  agent: string;
}

/** A person's decision on a task: who took it (the API key's id and name; null with AUTH=off) and their comment (the feedback, the reason). */
export interface Decided {
  by: { keyId: string | null; keyName: string | null };
  comment: string | null;
}

export interface EventPayloads {
  created: { description: string; channelId: string | null };
  /** Planning began: a new workflow's, or replanWorkflow's (`replan`: its feedback, who asked, and the status it was replanned from). */
  planning: { orchestrator: string; replan?: { feedback: string | null; by: Decided['by']; from: string } };
  plan_ready: { plan: string | null; tasks: Array<{ key: string; agent: string; description: string; dependsOn: string[] }> };
  started: { total: number };
  /** `usage`: the workflow's usage recorded when the event was stored (absent from events stored before issue #15). */
  progress: { completed: number; total: number; percent: number; usage?: UsagePayload };
  task_started: TaskRef & { attempt: number };
  task_output: TaskRef & { index: number; text: string };
  /** A tool call the model asked for; `arguments` is the model's JSON text, bounded. */
  task_tool_call: TaskRef & { tool: string; arguments: string; callId: string };
  /** Its result (or error, ok=false), cut to a bounded preview. */
  task_tool_result: TaskRef & { callId: string; ok: boolean; preview: string };
  task_retrying: TaskRef & { attempt: number; error: string; delayMs: number };
  task_completed: TaskRef & { output: string; durationMs: number };
  task_failed: TaskRef & { error: string };
  task_skipped: TaskRef & { reason: string };
  task_cancelled: TaskRef;
  task_awaiting_approval: TaskRef;
  task_awaiting_review: TaskRef & { output: string };
  task_approved: TaskRef & Decided;
  task_changes_requested: TaskRef & Decided;
  task_rejected: TaskRef & Decided;
  completed: { results: unknown };
  failed: { error: string };
  cancelled: { reason: string | null };
  plan_edited: { revision: number; by: Decided['by']; tasks: Array<{ key: string; agent: string; description: string; dependsOn: string[]; approval: string }> };
  paused: Decided;
  resumed: Decided;
  /** A replan failed (its error's code and message, and the status it was replanned from); `failed` follows: the workflow is FAILED, its plan as before. */
  replan_failed: { code: string; error: string; status: string };
  /** 80% of a limit reached (once per limit until setBudget changes it). */
  budget_warning: { limit: 'maxTokens' | 'maxCostUsd'; max: number; used: number; usage: UsagePayload };
  /** A limit crossed, and what the budget does: STOP (the run fails) or PAUSE. */
  budget_exceeded: { limit: 'maxTokens' | 'maxCostUsd'; max: number; used: number; action: 'STOP' | 'PAUSE'; usage: UsagePayload };
  /** setBudget: the new limits (null: none). */
  budget_set: { budget: { maxTokens: number | null; maxCostUsd: number | null; onExceed: 'STOP' | 'PAUSE' } | null };
}

/** A workflow's usage as events carry it. */
export interface UsagePayload {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
}

export interface WorkflowEventRecord<K extends EventKind = EventKind> {
  workflowId: string;
  seq: number;
  kind: K;
  /** ISO-8601 with milliseconds. */
  at: string;
  payload: EventPayloads[K];
  /** Set by the event hub as it hands the event out (see cursor.ts); a stored event's cursor is its seq. */
  cursor?: string;
}

export type AnyWorkflowEvent = { [K in EventKind]: WorkflowEventRecord<K> }[EventKind];

/** Topic names. One per workflow so a subscriber gets only its workflow's events. */
export const workflowTopic = (workflowId: string) => `workflow.${workflowId}`;
export const WORKFLOW_UPDATED_TOPIC = 'workflows.updated';
export const CONTROL_TOPIC = 'control';
