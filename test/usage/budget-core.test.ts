import { describe, expect, it } from 'vitest';
import { budget, decide, type WorkflowRow } from '../../src/engine/core/index.ts';
import { APPROVALS } from '../../src/engine/core/policy.ts';
import { BudgetExceededError } from '../../src/errors.ts';

/** The budget's decisions in the pure core (issue #15): rows in, decisions out, no store. */
const wf = (over: Partial<WorkflowRow> = {}): WorkflowRow => ({
  id: 'w',
  tenant: 't',
  status: 'EXECUTING',
  description: '',
  lastSeq: 5,
  totalTasks: 4,
  completedTasks: 1,
  finishedTasks: 1,
  failedTasks: 0,
  startedAt: 1,
  createdAt: 0,
  budget: { maxTokens: 1000, maxCostUsd: 2, onExceed: 'STOP' },
  budgetState: 0,
  usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
  ...over,
});
const usage = (tokens: number, costUsd = 0) => ({ inputTokens: tokens, outputTokens: 0, costUsd });
const tasks = [
  { id: 'a', key: '1', agent: 'dev', orderIndex: 0, status: 'COMPLETED' },
  { id: 'b', key: '2', agent: 'dev', orderIndex: 1, status: 'RUNNING' },
  { id: 'c', key: '3', agent: 'qa', orderIndex: 2, status: 'AWAITING_APPROVAL' },
  { id: 'd', key: '4', agent: 'qa', orderIndex: 3, status: 'PENDING' },
].filter((t) => t.status !== 'COMPLETED');

describe('budget decisions', () => {
  it('warns once per limit at 80%, and reaching a limit exactly is within it', () => {
    const d = budget.afterUsage(wf(), usage(800, 1.7), tasks);
    expect(d.events.map((e) => e.kind)).toEqual(['budget_warning', 'budget_warning']);
    expect(d.patch.budgetState).toBe(budget.WARNED_TOKENS | budget.WARNED_COST);
    expect(d.abort).toBe(false);
    expect(budget.afterUsage(wf({ budgetState: 3 }), usage(900, 1.9), tasks).events).toEqual([]);
    expect(budget.afterUsage(wf({ budgetState: 3 }), usage(1000, 2), tasks).abort).toBe(false);
  });

  it('STOP: every unfinished task (awaiting ones included) is cancelled and the run ends FAILED with BUDGET_EXCEEDED', () => {
    const d = budget.afterUsage(wf({ budgetState: 3 }), usage(1001), tasks);
    expect(d.abort).toBe(true);
    expect(d.ends).toBe('FAILED');
    expect(d.cancelled).toEqual(['b', 'c', 'd']);
    expect(d.patch).toMatchObject({ status: 'FAILED', error: 'BUDGET_EXCEEDED: 1001 tokens used, over the limit of 1000' });
    expect(d.events.map((e) => e.kind)).toEqual(['budget_exceeded', 'task_cancelled', 'task_cancelled', 'task_cancelled']);
  });

  it('PAUSE: running tasks are given back, awaiting and pending ones stay, the run is PAUSED once', () => {
    const paused = wf({ budget: { maxTokens: null, maxCostUsd: 2, onExceed: 'PAUSE' }, budgetState: budget.WARNED_COST });
    const d = budget.afterUsage(paused, usage(5, 2.5), tasks);
    expect(d.released).toEqual(['b']);
    expect(d.cancelled).toEqual([]);
    expect(d.patch).toEqual({ status: 'PAUSED', budgetState: budget.WARNED_COST | budget.PAUSED_BY_BUDGET });
    expect(d.events.map((e) => e.kind)).toEqual(['budget_exceeded', 'paused']);
    // Already paused by the budget: nothing more is decided.
    expect(budget.afterUsage({ ...paused, status: 'PAUSED', budgetState: 6 }, usage(5, 3), tasks).abort).toBe(false);
  });

  it('decides nothing for a workflow that is not running or paused', () => {
    for (const status of ['PLANNING', 'PLANNED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const) {
      expect(budget.afterUsage(wf({ status }), usage(5000), tasks)).toMatchObject({ events: [], abort: false });
    }
  });

  it('setBudget: more room resumes a budget-paused run; a changed limit re-arms its warning', () => {
    const paused = wf({ status: 'PAUSED', budgetState: budget.WARNED_TOKENS | budget.PAUSED_BY_BUDGET, budget: { maxTokens: 1000, maxCostUsd: null, onExceed: 'PAUSE' } });
    const same = budget.setBudget(paused, paused.budget, usage(1200));
    expect(same.resumes).toBe(false);
    const more = budget.setBudget(paused, { maxTokens: 5000, maxCostUsd: null, onExceed: 'PAUSE' }, usage(1200));
    expect(more.resumes).toBe(true);
    expect(more.patch).toMatchObject({ status: 'EXECUTING', budgetState: 0 });
    expect(more.events.map((e) => e.kind)).toEqual(['budget_set', 'resumed']);
  });

  it('resume, retry and start refuse a workflow over its budget with BUDGET_EXCEEDED; the policy holds what becomes runnable', () => {
    const over = wf({ usage: usage(1500) });
    expect(() => budget.assertRoom(over, over.usage)).toThrow(BudgetExceededError);
    expect(() => decide.start({ ...over, status: 'PLANNED' }, [], 0, APPROVALS)).toThrow(BudgetExceededError);
    expect(() => decide.retry({ ...over, status: 'FAILED' }, [], APPROVALS)).toThrow(BudgetExceededError);
    const runnable = [{ taskId: 'd', workflowId: 'w', key: '4', agent: 'qa', orderIndex: 3 }];
    const held = decide.complete(over, [{ taskId: 'b', key: '2', agent: 'dev', output: 'x', durationMs: 1, usage: { input: 0, output: 0 } }], runnable, APPROVALS);
    expect(held.ready).toEqual([]);
    expect(held.held.map((r) => r.key)).toEqual(['4']);
  });
});
