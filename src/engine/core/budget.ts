import { BudgetExceededError } from '../../errors.ts';
import { draft, type EventDraft, type WorkflowPatch, type WorkflowRow } from './types.ts';

/**
 * Budgets (issue #15): pure decisions over a workflow's usage totals and its limits. The runner asks
 * `crossed` on every streamed chunk (with the live total every process adds to); the store asks the
 * same functions again under the workflow's lock before it writes a stop or a pause, so a decision
 * is taken once whatever the number of processes that saw the limit.
 */

export const BUDGET_ACTIONS = ['STOP', 'PAUSE'] as const;
export type BudgetAction = (typeof BUDGET_ACTIONS)[number];

export interface Budget {
  maxTokens: number | null;
  maxCostUsd: number | null;
  onExceed: BudgetAction;
}

/** A workflow's usage so far: every model call's tokens (input and output) and cost. */
export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export const NO_USAGE: UsageTotals = Object.freeze({ inputTokens: 0, outputTokens: 0, costUsd: 0 });

/** budget_state bits. */
export const WARNED_TOKENS = 1;
export const WARNED_COST = 2;
export const PAUSED_BY_BUDGET = 4;

export type BudgetLimit = 'maxTokens' | 'maxCostUsd';

/** A limit and how far the usage has gone toward it. */
export interface LimitReached {
  limit: BudgetLimit;
  max: number;
  used: number;
}

/** The share of a limit at which budget_warning is sent (once per limit). */
export const WARN_AT = 0.8;

const used = (u: UsageTotals, limit: BudgetLimit) => (limit === 'maxTokens' ? u.inputTokens + u.outputTokens : u.costUsd);

/** The larger of two totals, field by field: the live total may be ahead of the stored one, never behind it for long. */
export const atLeast = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  inputTokens: Math.max(a.inputTokens, b.inputTokens),
  outputTokens: Math.max(a.outputTokens, b.outputTokens),
  costUsd: Math.max(a.costUsd, b.costUsd),
});

export const plus = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  inputTokens: a.inputTokens + b.inputTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  costUsd: a.costUsd + b.costUsd,
});

/** The first limit the usage exceeds (tokens before cost), or null. Reaching a limit exactly is within it. */
export function crossed(budget: Budget | null, usage: UsageTotals): LimitReached | null {
  if (!budget) return null;
  for (const limit of ['maxTokens', 'maxCostUsd'] as const) {
    const max = budget[limit];
    if (max != null && used(usage, limit) > max) return { limit, max, used: used(usage, limit) };
  }
  return null;
}

/** Limits the usage has reached WARN_AT of whose warning `state` has not recorded yet. */
export function warningsDue(budget: Budget | null, state: number, usage: UsageTotals): LimitReached[] {
  if (!budget) return [];
  const due: LimitReached[] = [];
  for (const [limit, bit] of [
    ['maxTokens', WARNED_TOKENS],
    ['maxCostUsd', WARNED_COST],
  ] as const) {
    const max = budget[limit];
    if (max != null && (state & bit) === 0 && used(usage, limit) >= max * WARN_AT) due.push({ limit, max, used: used(usage, limit) });
  }
  return due;
}

/** The usage as events carry it. */
export const usagePayload = (u: UsageTotals) => ({
  inputTokens: u.inputTokens,
  outputTokens: u.outputTokens,
  totalTokens: u.inputTokens + u.outputTokens,
  costUsd: round(u.costUsd),
});

/** Costs are kept to a millionth of a cent: float sums must not print as 0.30000000000000004. */
const round = (usd: number) => Math.round(usd * 1e8) / 1e8;

export const describeLimit = (r: LimitReached) =>
  r.limit === 'maxTokens' ? `${r.used} tokens used, over the limit of ${r.max}` : `$${round(r.used)} spent, over the limit of $${r.max}`;

/** A task the stop or the pause acts on. */
export interface UnfinishedTask {
  id: string;
  key: string;
  agent: string;
  orderIndex: number;
  status: string;
}

/** What the store writes when the usage recorded under the lock warns or crosses a limit. */
export interface BudgetDecision {
  events: EventDraft[];
  patch: WorkflowPatch;
  /** STOP: these tasks become CANCELLED (their leases cleared: their runners can write nothing more). */
  cancelled: string[];
  /** PAUSE: these RUNNING tasks go back to READY, their attempt given back (their calls are aborted). */
  released: string[];
  /** The run ends FAILED with this transition (STOP): the store adds its results. */
  ends: 'FAILED' | null;
  /** True when calls in flight must be aborted in every process (a stop or a pause was decided). */
  abort: boolean;
}

const none = (): BudgetDecision => ({ events: [], patch: {}, cancelled: [], released: [], ends: null, abort: false });

/**
 * The budget's decision after usage was recorded (`usage` is the larger of the stored and the live
 * totals). Warnings once per limit; over a limit, on a running or paused workflow: STOP cancels
 * every unfinished task and fails the run with BUDGET_EXCEEDED; PAUSE pauses it and gives the
 * running tasks back without losing their attempt. `tasks`: the unfinished ones (needed only when a limit is crossed).
 */
export function afterUsage(wf: WorkflowRow, usage: UsageTotals, tasks: UnfinishedTask[]): BudgetDecision {
  const d = none();
  if (wf.status !== 'EXECUTING' && wf.status !== 'PAUSED') return d;
  let state = wf.budgetState;
  for (const w of warningsDue(wf.budget, state, usage)) {
    d.events.push(draft('budget_warning', { limit: w.limit, max: w.max, used: w.used, usage: usagePayload(usage) }));
    state |= w.limit === 'maxTokens' ? WARNED_TOKENS : WARNED_COST;
  }
  const over = crossed(wf.budget, usage);
  if (over && (state & PAUSED_BY_BUDGET) === 0) {
    const action = wf.budget!.onExceed;
    d.events.push(draft('budget_exceeded', { limit: over.limit, max: over.max, used: over.used, action, usage: usagePayload(usage) }));
    const unfinished = [...tasks].sort((a, b) => a.orderIndex - b.orderIndex);
    d.abort = true;
    if (action === 'STOP') {
      const error = `BUDGET_EXCEEDED: ${describeLimit(over)}`;
      d.cancelled = unfinished.map((t) => t.id);
      d.events.push(...unfinished.map((t) => draft('task_cancelled', { taskId: t.id, key: t.key, agent: t.agent })));
      d.patch = { status: 'FAILED', error };
      d.ends = 'FAILED';
    } else {
      d.released = unfinished.filter((t) => t.status === 'RUNNING').map((t) => t.id);
      state |= PAUSED_BY_BUDGET;
      if (wf.status === 'EXECUTING') d.events.push(draft('paused', { by: { keyId: null, keyName: null }, comment: `BUDGET_EXCEEDED: ${describeLimit(over)}` }));
      d.patch = { status: 'PAUSED' };
    }
  }
  if (state !== wf.budgetState) d.patch.budgetState = state;
  return d;
}

/**
 * setBudget: the new limits, with the warnings of changed limits re-armed. A workflow the budget
 * paused resumes when the new limits leave it room (`resumes`); one over its new limits is decided
 * by afterUsage as any other (the caller runs it next).
 */
export function setBudget(wf: WorkflowRow, budget: Budget | null, usage: UsageTotals): { patch: WorkflowPatch; resumes: boolean; events: EventDraft[] } {
  let state = wf.budgetState;
  if (wf.budget?.maxTokens !== budget?.maxTokens) state &= ~WARNED_TOKENS;
  if (wf.budget?.maxCostUsd !== budget?.maxCostUsd) state &= ~WARNED_COST;
  const pausedByBudget = (state & PAUSED_BY_BUDGET) !== 0;
  const resumes = pausedByBudget && wf.status === 'PAUSED' && crossed(budget, usage) === null;
  if (pausedByBudget && (resumes || wf.status !== 'PAUSED')) state &= ~PAUSED_BY_BUDGET;
  const events: EventDraft[] = [draft('budget_set', { budget })];
  if (resumes) events.push(draft('resumed', { by: { keyId: null, keyName: null }, comment: 'the new budget leaves room' }));
  return { patch: { budget, budgetState: state, ...(resumes ? { status: 'EXECUTING' as const } : {}) }, resumes, events };
}

/** resumeWorkflow and retryWorkflow refuse a workflow whose usage is over its budget: setBudget first. */
export function assertRoom(wf: WorkflowRow, usage: UsageTotals): void {
  const over = crossed(wf.budget, usage);
  if (over)
    throw new BudgetExceededError(`workflow ${wf.id} is over its budget (${describeLimit(over)}); raise it with setBudget first`, {
      limit: over.limit,
      max: over.max,
      used: over.used,
    });
}

/** The workflow's usage as its row holds it. */
export const usageOf = (wf: WorkflowRow): UsageTotals => wf.usage;
