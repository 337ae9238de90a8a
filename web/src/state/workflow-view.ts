import type {
  ApprovalMode,
  DashTaskFragment,
  TaskStatus,
  WorkflowDetailQuery,
  WorkflowEventsSubscription,
  WorkflowStatus,
  WorkflowUsageQuery,
} from '../__generated__/operations.ts';
import { laterUsage, withSnapshot, type BudgetNotice, type BudgetView, type UsageView } from './budget.ts';
import { applyToolEvent, type ToolCall } from './tool-calls.ts';

/**
 * What the workflow page shows, as pure data: a snapshot (the WorkflowDetail query) with the events
 * received since it was asked for applied in order. Every function here is pure; no DOM, no I/O.
 */
export interface TaskView {
  id: string;
  key: string;
  description: string;
  agent: string;
  status: TaskStatus;
  attempts: number;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  output: string;
  /** The last output chunk index applied in the current attempt (-1: none): a chunk is never applied twice. */
  outputIndex: number;
  error: string | null;
  dependsOn: string[];
  /** Every model call of the task (each attempt and tool-loop turn); read again as it runs (no event carries it). */
  usage: UsageView;
  approval: ApprovalMode;
  /** The task's runs, oldest first (Task.history, from the last snapshot). */
  history: DashTaskFragment['history'];
}

export interface WorkflowView {
  id: string;
  description: string;
  status: WorkflowStatus;
  error: string | null;
  startedAt: string | null;
  completedAt: string | null;
  progress: { completed: number; total: number; percent: number };
  /** The workflow's usage, its planning included: from the snapshot, progress and budget events, usage reads. */
  usage: UsageView;
  budget: BudgetView | null;
  /** The last budget_warning or budget_exceeded since the budget was last set (only events carry it). */
  budgetNotice: BudgetNotice | null;
  /** editPlan names the revision it read. */
  planRevision: number;
  /** In plan order. */
  tasks: TaskView[];
  /** Tool calls by task key, in call order. Only events carry them: a new snapshot keeps these. */
  toolCalls: Readonly<Record<string, readonly ToolCall[]>>;
}

export type WorkflowEvent = WorkflowEventsSubscription['workflowEvents'];
type Snapshot = NonNullable<WorkflowDetailQuery['workflow']>;

/** The view of a snapshot; `previous` hands over what only events carry (tool calls). */
export function fromSnapshot(w: Snapshot, previous?: WorkflowView | null): WorkflowView {
  return {
    id: w.id,
    description: w.description,
    status: w.status,
    error: w.error ?? null,
    startedAt: w.startedAt ?? null,
    completedAt: w.completedAt ?? null,
    progress: { ...w.progress },
    usage: { ...w.usage },
    budget: w.budget ? { ...w.budget } : null,
    budgetNotice: previous?.id === w.id ? previous.budgetNotice : null,
    planRevision: w.planRevision,
    toolCalls: previous?.id === w.id ? previous.toolCalls : {},
    tasks: w.tasks.map((t) => ({
      id: t.id,
      key: t.key,
      description: t.description,
      agent: t.agent.name,
      status: t.status,
      attempts: t.attempts,
      startedAt: t.startedAt ?? null,
      completedAt: t.completedAt ?? null,
      durationMs: t.durationMs ?? null,
      output: t.output ?? '',
      outputIndex: t.output ? Number.MAX_SAFE_INTEGER : -1,
      error: t.error ?? null,
      dependsOn: t.dependsOn.map((d) => d.key),
      usage: { ...t.usage },
      approval: t.approval,
      history: t.history,
    })),
  };
}

const TERMINAL_WORKFLOW: ReadonlySet<WorkflowStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
export const isTerminal = (s: WorkflowStatus): boolean => TERMINAL_WORKFLOW.has(s);

/** Events after which the snapshot is read again: they change what only the snapshot holds (the task list, usage). */
export function needsSnapshot(e: WorkflowEvent, view: WorkflowView | null): boolean {
  // REPLAN_FAILED (then FAILED): the workflow's error is the replan's (the snapshot has it).
  // BUDGET_EXCEEDED: a pause gives its running tasks back (READY) with no task event; a stop cancels them.
  if (
    e.kind === 'BUDGET_EXCEEDED' ||
    e.kind === 'PLAN_READY' ||
    e.kind === 'PLAN_EDITED' ||
    e.kind === 'STARTED' ||
    e.kind === 'COMPLETED' ||
    e.kind === 'FAILED' ||
    e.kind === 'CANCELLED' ||
    e.kind === 'REPLAN_FAILED'
  )
    return true;
  return 'key' in e && !!view && !view.tasks.some((t) => t.key === e.key);
}

/** Events after which usage is read again (WorkflowUsage): a task's calls ended, or the budget acted. */
const USAGE_KINDS: ReadonlySet<string> = new Set([
  'TASK_COMPLETED',
  'TASK_FAILED',
  'TASK_RETRYING',
  'TASK_CANCELLED',
  'TASK_AWAITING_REVIEW',
  'PROGRESS',
  'PAUSED',
  'BUDGET_WARNING',
  'BUDGET_EXCEEDED',
  'BUDGET_SET',
]);
export const needsUsage = (e: WorkflowEvent): boolean => USAGE_KINDS.has(e.kind);

/** A WorkflowUsage answer applied: the later usage of each (see laterUsage), the budget as read. */
export function applyUsage(view: WorkflowView, w: NonNullable<WorkflowUsageQuery['workflow']>): WorkflowView {
  if (w.id !== view.id) return view;
  const byKey = new Map(w.tasks.map((t) => [t.key, t.usage]));
  return {
    ...view,
    usage: laterUsage(view.usage, w.usage),
    budget: w.budget ? { ...w.budget } : null,
    tasks: view.tasks.map((t) => {
      const u = byKey.get(t.key);
      return u ? { ...t, usage: laterUsage(t.usage, u) } : t;
    }),
  };
}

function updateTask(view: WorkflowView, key: string, change: (t: TaskView) => Partial<TaskView>): WorkflowView {
  let found = false;
  const tasks = view.tasks.map((t) => {
    if (t.key !== key) return t;
    found = true;
    return { ...t, ...change(t) };
  });
  return found ? { ...view, tasks } : view;
}

/** The view with one event applied. Unknown kinds leave it as it is. */
export function applyEvent(view: WorkflowView, e: WorkflowEvent): WorkflowView {
  switch (e.__typename) {
    case 'PlanningEvent':
      return { ...view, status: 'PLANNING' };
    case 'PlanReadyEvent':
      return { ...view, status: 'PLANNED' };
    case 'StartedEvent':
      return { ...view, status: 'EXECUTING', startedAt: e.at, completedAt: null, error: null };
    case 'ProgressEvent':
      return { ...view, progress: { completed: e.completed, total: e.total, percent: e.percent }, usage: withSnapshot(view.usage, e.progressUsage) };
    case 'BudgetWarningEvent':
      return { ...view, usage: withSnapshot(view.usage, e.warningUsage), budgetNotice: { kind: 'warning', limit: e.limit, max: e.max, used: e.used, action: null } };
    case 'BudgetExceededEvent':
      return { ...view, usage: withSnapshot(view.usage, e.exceededUsage), budgetNotice: { kind: 'exceeded', limit: e.limit, max: e.max, used: e.used, action: e.action } };
    case 'BudgetSetEvent':
      return {
        ...view,
        budget: e.maxTokens == null && e.maxCostUsd == null ? null : { maxTokens: e.maxTokens, maxCostUsd: e.maxCostUsd, onExceed: e.onExceed === 'PAUSE' ? 'PAUSE' : 'STOP' },
        budgetNotice: null,
      };
    case 'CompletedEvent':
      return { ...view, status: 'COMPLETED', completedAt: e.at };
    case 'FailedEvent':
      return { ...view, status: 'FAILED', completedAt: e.at, error: e.error };
    case 'CancelledEvent':
      return { ...view, status: 'CANCELLED', completedAt: e.at };
    case 'TaskStartedEvent':
      return updateTask(view, e.key, () => ({
        status: 'RUNNING',
        attempts: e.attempt,
        startedAt: e.at,
        completedAt: null,
        durationMs: null,
        output: '',
        outputIndex: -1,
        error: null,
      }));
    case 'TaskOutputEvent':
      return updateTask(view, e.key, (t) => (e.index <= t.outputIndex || t.status !== 'RUNNING' ? {} : { output: t.output + e.text, outputIndex: e.index }));
    case 'TaskCompletedEvent':
      return updateTask(view, e.key, () => ({ status: 'COMPLETED', output: e.output, outputIndex: Number.MAX_SAFE_INTEGER, durationMs: e.durationMs, completedAt: e.at }));
    case 'TaskFailedEvent':
      return updateTask(view, e.key, () => ({ status: 'FAILED', error: e.taskError, completedAt: e.at }));
    case 'TaskRetryingEvent':
      return updateTask(view, e.key, () => ({ status: 'READY', error: e.retryError }));
    case 'TaskSkippedEvent':
      return updateTask(view, e.key, () => ({ status: 'SKIPPED', error: e.reason }));
    case 'TaskCancelledEvent':
      return updateTask(view, e.key, () => ({ status: 'CANCELLED', completedAt: e.at }));
    case 'PausedEvent':
      return { ...view, status: 'PAUSED' };
    case 'ResumedEvent':
      return { ...view, status: 'EXECUTING' };
    case 'TaskAwaitingApprovalEvent':
      return updateTask(view, e.key, () => ({ status: 'AWAITING_APPROVAL' }));
    case 'TaskAwaitingReviewEvent':
      return updateTask(view, e.key, () => ({ status: 'AWAITING_REVIEW', output: e.reviewOutput, outputIndex: Number.MAX_SAFE_INTEGER, completedAt: e.at }));
    // Approved before the run: it is runnable (task_started follows); after it: its output stands.
    case 'TaskApprovedEvent':
      return updateTask(view, e.key, (t) => ({ status: t.status === 'AWAITING_REVIEW' ? 'COMPLETED' : t.status === 'AWAITING_APPROVAL' ? 'READY' : t.status }));
    case 'TaskChangesRequestedEvent':
      return updateTask(view, e.key, () => ({ status: 'READY' }));
    case 'TaskRejectedEvent':
      // The same text Task.error holds once read again: the reason.
      return updateTask(view, e.key, () => ({ status: 'REJECTED', error: e.comment ?? 'rejected' }));
    case 'TaskToolCallEvent':
    case 'TaskToolResultEvent':
      return { ...view, toolCalls: applyToolEvent(view.toolCalls, e) };
    default:
      return view;
  }
}

/**
 * The chain of tasks that decided the run's length: each task's finish is its duration plus its
 * latest-finishing dependency's; the path ends at the latest finish and follows those dependencies back.
 * Keys in path order; empty when there are no tasks.
 */
export function criticalPath(tasks: readonly TaskView[]): string[] {
  const byKey = new Map(tasks.map((t) => [t.key, t]));
  const finish = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const visiting = new Set<string>();
  const visit = (key: string): number => {
    const known = finish.get(key);
    if (known !== undefined) return known;
    const t = byKey.get(key);
    // A cycle or an unknown key cannot come from a validated plan; count it as zero rather than loop.
    if (!t || visiting.has(key)) return 0;
    visiting.add(key);
    let best: string | undefined;
    let bestFinish = 0;
    for (const d of t.dependsOn) {
      const f = visit(d);
      if (best === undefined || f > bestFinish) [best, bestFinish] = [d, f];
    }
    visiting.delete(key);
    const f = bestFinish + (t.durationMs ?? 0);
    finish.set(key, f);
    via.set(key, best);
    return f;
  };
  let end: string | undefined;
  for (const t of tasks) if (end === undefined || visit(t.key) > visit(end)) end = t.key;
  const path: string[] = [];
  for (let k = end; k !== undefined; k = via.get(k)) path.unshift(k);
  return path;
}

/** A task's span on the timeline, in ms from the earliest start; running tasks end at `now`. */
export interface Span {
  key: string;
  status: TaskStatus;
  from: number;
  to: number;
}

export function timeline(tasks: readonly TaskView[], now: number): { spans: Span[]; total: number } {
  const started = tasks.filter((t) => t.startedAt);
  if (started.length === 0) return { spans: [], total: 0 };
  const origin = Math.min(...started.map((t) => Date.parse(t.startedAt!)));
  const spans = started.map((t) => {
    const from = Date.parse(t.startedAt!) - origin;
    const end = t.completedAt ? Date.parse(t.completedAt) : t.status === 'RUNNING' ? now : Date.parse(t.startedAt!) + (t.durationMs ?? 0);
    return { key: t.key, status: t.status, from, to: Math.max(from, end - origin) };
  });
  return { spans, total: Math.max(1, ...spans.map((s) => s.to)) };
}
