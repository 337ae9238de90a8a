import { describe, expect, it } from 'vitest';
import {
  NO_USAGE,
  costAttr,
  costText,
  formatTokens,
  formatUsd,
  laterUsage,
  meters,
  noticeText,
  parseBudget,
  withSnapshot,
  worstState,
  type UsageView,
} from '../../web/src/state/budget.ts';
import { planInput } from '../../web/src/state/plan-request.ts';
import { applyEvent, applyUsage, fromSnapshot, needsSnapshot, needsUsage, type TaskView, type WorkflowEvent, type WorkflowView } from '../../web/src/state/workflow-view.ts';

/** The dashboard's usage and budget core (web/src/state/budget.ts and its part of workflow-view.ts). */
const usage = (over: Partial<UsageView> = {}): UsageView => ({ ...NO_USAGE, ...over });

const task = (key: string, over: Partial<TaskView> = {}): TaskView => ({
  id: `t${key}`,
  key,
  description: `task ${key}`,
  agent: 'backend',
  status: 'PENDING',
  attempts: 0,
  startedAt: null,
  completedAt: null,
  durationMs: null,
  output: '',
  outputIndex: -1,
  error: null,
  dependsOn: [],
  usage: NO_USAGE,
  approval: 'NONE',
  history: [],
  ...over,
});

const view = (over: Partial<WorkflowView> = {}): WorkflowView => ({
  id: 'w',
  description: 'auth',
  status: 'EXECUTING',
  error: null,
  startedAt: null,
  completedAt: null,
  progress: { completed: 0, total: 2, percent: 0 },
  usage: NO_USAGE,
  budget: { maxTokens: 2000, maxCostUsd: null, onExceed: 'PAUSE' },
  budgetNotice: null,
  planRevision: 1,
  tasks: [task('1'), task('2')],
  toolCalls: {},
  ...over,
});

const base = { workflowId: 'w', at: '2026-01-01T00:00:01.000Z', cursor: '1' };
const ev = (e: Record<string, unknown>) => ({ ...base, ...e }) as unknown as WorkflowEvent;
const snap = (totalTokens: number, costUsd = 0) => ({ inputTokens: totalTokens - 10, outputTokens: 10, totalTokens, costUsd });

describe('meters', () => {
  it('one per limit set, tokens first: ok below 80%, warning from 80%, exceeded only past the limit (as the server decides)', () => {
    const b = { maxTokens: 1000, maxCostUsd: 2, onExceed: 'STOP' as const };
    expect(meters(usage({ totalTokens: 500, costUsd: 0.5 }), b)).toEqual([
      { limit: 'maxTokens', used: 500, max: 1000, ratio: 0.5, state: 'ok' },
      { limit: 'maxCostUsd', used: 0.5, max: 2, ratio: 0.25, state: 'ok' },
    ]);
    expect(meters(usage({ totalTokens: 800, costUsd: 2 }), b).map((m) => m.state)).toEqual(['warning', 'warning']);
    expect(meters(usage({ totalTokens: 1001, costUsd: 1 }), b).map((m) => m.state)).toEqual(['exceeded', 'ok']);
    expect(worstState(meters(usage({ totalTokens: 1001, costUsd: 1.7 }), b))).toBe('exceeded');
    expect(worstState(meters(usage({ totalTokens: 10, costUsd: 1.7 }), b))).toBe('warning');
    expect(meters(usage({ totalTokens: 5000 }), { maxTokens: null, maxCostUsd: 1, onExceed: 'STOP' }).map((m) => m.limit)).toEqual(['maxCostUsd']);
    expect(meters(usage(), null)).toEqual([]);
    expect(worstState([])).toBe('ok');
  });
});

describe('cost and tokens as shown', () => {
  it('an unpriced usage says "unpriced", never $0; an estimate is marked; small costs keep two significant digits', () => {
    expect(costText(usage({ priced: false, costUsd: 0, calls: 3 }))).toBe('unpriced');
    expect(costAttr(usage({ priced: false }))).toBe('unpriced');
    expect(costAttr(usage({ costUsd: 0.0123 }))).toBe('0.0123');
    expect(costText(usage({ costUsd: 1.5 }))).toBe('$1.50');
    expect(costText(usage({ costUsd: 0.0123, estimated: true }))).toBe('≈$0.012');
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.00042)).toBe('$0.00042');
    expect(formatTokens(950)).toBe('950');
    expect(formatTokens(1234)).toBe('1.2k');
    expect(formatTokens(56_789)).toBe('57k');
    expect(formatTokens(2_500_000)).toBe('2.5M');
  });

  it('budget notices name the amount, the limit and what happens', () => {
    expect(noticeText({ kind: 'warning', limit: 'maxTokens', max: 2000, used: 1650, action: null })).toBe('Budget warning: 1,650 tokens used, 80% of the limit of 2,000 tokens.');
    expect(noticeText({ kind: 'exceeded', limit: 'maxCostUsd', max: 1.5, used: 1.52, action: 'PAUSE' })).toBe(
      'Budget exceeded: $1.52 used, over the limit of $1.50; the run is paused until the budget is raised.',
    );
    expect(noticeText({ kind: 'exceeded', limit: 'maxTokens', max: 10, used: 12, action: 'STOP' })).toMatch(/the run was stopped\.$/);
  });
});

describe('usage read at different moments', () => {
  it('laterUsage keeps the later of two reads: more calls, else more tokens; the provider’s figures replace an estimate', () => {
    const a = usage({ calls: 2, totalTokens: 900, estimated: true });
    expect(laterUsage(a, usage({ calls: 1, totalTokens: 2000 }))).toBe(a);
    expect(laterUsage(a, usage({ calls: 3, totalTokens: 950 })).calls).toBe(3);
    expect(laterUsage(a, usage({ calls: 2, totalTokens: 880, estimated: false })).totalTokens).toBe(880);
    expect(laterUsage(usage({ calls: 2, totalTokens: 900 }), usage({ calls: 2, totalTokens: 800 })).totalTokens).toBe(900);
  });

  it('an event snapshot only raises the figures and keeps priced, estimated and calls', () => {
    const u = usage({ totalTokens: 1000, inputTokens: 900, outputTokens: 100, costUsd: 0.4, priced: false, calls: 4 });
    expect(withSnapshot(u, snap(800, 0.3))).toEqual(u);
    expect(withSnapshot(u, snap(1200, 0.5))).toEqual({ ...u, inputTokens: 1190, outputTokens: 100, totalTokens: 1200, costUsd: 0.5 });
    expect(withSnapshot(u, null)).toBe(u);
  });
});

describe('workflow view: usage and budget events', () => {
  it('progress carries the usage; budget_warning and budget_exceeded raise it and leave a notice; budget_set replaces the budget and clears it', () => {
    let v = view();
    v = applyEvent(v, ev({ __typename: 'ProgressEvent', kind: 'PROGRESS', seq: 5, completed: 1, total: 2, percent: 50, progressUsage: snap(900) }));
    expect(v.usage.totalTokens).toBe(900);
    expect(v.progress).toEqual({ completed: 1, total: 2, percent: 50 });
    // A progress event stored before usage was recorded carries none.
    expect(applyEvent(v, ev({ __typename: 'ProgressEvent', kind: 'PROGRESS', seq: 6, completed: 1, total: 2, percent: 50, progressUsage: null })).usage).toBe(v.usage);
    v = applyEvent(v, ev({ __typename: 'BudgetWarningEvent', kind: 'BUDGET_WARNING', seq: 7, limit: 'maxTokens', max: 2000, used: 1650, warningUsage: snap(1650) }));
    expect(v.budgetNotice).toEqual({ kind: 'warning', limit: 'maxTokens', max: 2000, used: 1650, action: null });
    v = applyEvent(
      v,
      ev({ __typename: 'BudgetExceededEvent', kind: 'BUDGET_EXCEEDED', seq: 8, limit: 'maxTokens', max: 2000, used: 2030, action: 'PAUSE', exceededUsage: snap(2030) }),
    );
    v = applyEvent(v, ev({ __typename: 'PausedEvent', kind: 'PAUSED', seq: 9 }));
    expect(v).toMatchObject({ status: 'PAUSED', usage: { totalTokens: 2030 }, budgetNotice: { kind: 'exceeded', action: 'PAUSE', used: 2030 } });
    expect(meters(v.usage, v.budget)[0]!.state).toBe('exceeded');
    v = applyEvent(v, ev({ __typename: 'BudgetSetEvent', kind: 'BUDGET_SET', seq: 10, maxTokens: 100000, maxCostUsd: null, onExceed: 'PAUSE' }));
    expect(v.budget).toEqual({ maxTokens: 100000, maxCostUsd: null, onExceed: 'PAUSE' });
    expect(v.budgetNotice).toBeNull();
    expect(meters(v.usage, v.budget)[0]!.state).toBe('ok');
    // Both limits null: no budget.
    expect(applyEvent(v, ev({ __typename: 'BudgetSetEvent', kind: 'BUDGET_SET', seq: 11, maxTokens: null, maxCostUsd: null, onExceed: 'STOP' })).budget).toBeNull();
  });

  it('usage is read again after the events that change it, not after each output chunk', () => {
    const kinds = ['TASK_COMPLETED', 'TASK_FAILED', 'TASK_CANCELLED', 'PROGRESS', 'PAUSED', 'BUDGET_WARNING', 'BUDGET_EXCEEDED', 'BUDGET_SET'];
    for (const kind of kinds) expect(needsUsage(ev({ kind }))).toBe(true);
    for (const kind of ['TASK_OUTPUT', 'TASK_STARTED', 'TASK_TOOL_CALL']) expect(needsUsage(ev({ kind }))).toBe(false);
    // A budget stop or pause changes task statuses with no task event: the whole snapshot is read again.
    expect(needsSnapshot(ev({ kind: 'BUDGET_EXCEEDED' }), view())).toBe(true);
    expect(needsSnapshot(ev({ kind: 'BUDGET_WARNING' }), view())).toBe(false);
  });

  it('a usage read sets each task’s usage and the total, never going back to an earlier read', () => {
    const v = view({ usage: usage({ calls: 3, totalTokens: 1500 }) });
    const read = {
      id: 'w',
      usage: usage({ calls: 2, totalTokens: 1200 }),
      budget: { maxTokens: 3000, maxCostUsd: 1, onExceed: 'STOP' as const },
      tasks: [
        { key: '1', usage: usage({ calls: 1, totalTokens: 700, costUsd: 0.01 }) },
        { key: '2', usage: usage({ calls: 1, totalTokens: 300, priced: false }) },
      ],
    };
    const next = applyUsage(v, read);
    expect(next.usage.totalTokens).toBe(1500);
    expect(next.budget).toEqual(read.budget);
    expect(next.tasks.map((t) => [t.key, t.usage.totalTokens, costText(t.usage)])).toEqual([
      ['1', 700, '$0.010'],
      ['2', 300, 'unpriced'],
    ]);
    expect(applyUsage(v, { ...read, id: 'other' })).toBe(v);
  });

  it('a snapshot brings usage and budget; the notice survives a snapshot of the same workflow', () => {
    const prev = view({ budgetNotice: { kind: 'exceeded', limit: 'maxTokens', max: 10, used: 12, action: 'STOP' } });
    const s = {
      id: 'w',
      description: 'auth',
      status: 'FAILED',
      progress: { completed: 0, total: 0, percent: 0 },
      planRevision: 1,
      usage: usage({ calls: 1, totalTokens: 12 }),
      budget: { maxTokens: 10, maxCostUsd: null, onExceed: 'STOP' },
      tasks: [],
    } as unknown as Parameters<typeof fromSnapshot>[0];
    expect(fromSnapshot(s, prev)).toMatchObject({ usage: { totalTokens: 12 }, budget: { maxTokens: 10 }, budgetNotice: prev.budgetNotice });
    expect(fromSnapshot({ ...s, id: 'other' }, prev).budgetNotice).toBeNull();
  });
});

describe('budget fields', () => {
  it('empty fields: no limit; numbers are checked; onExceed is STOP unless PAUSE', () => {
    expect(parseBudget({ maxTokens: '', maxCostUsd: ' ', onExceed: 'STOP' })).toEqual({ ok: true, empty: true, budget: { maxTokens: null, maxCostUsd: null, onExceed: 'STOP' } });
    expect(parseBudget({ maxTokens: '2,000', maxCostUsd: '$1.5', onExceed: 'PAUSE' })).toEqual({
      ok: true,
      empty: false,
      budget: { maxTokens: 2000, maxCostUsd: 1.5, onExceed: 'PAUSE' },
    });
    expect(parseBudget({ maxTokens: '1.5', maxCostUsd: '', onExceed: '' })).toEqual({ ok: false, error: 'Max tokens must be a whole number above 0.' });
    expect(parseBudget({ maxTokens: '0', maxCostUsd: '', onExceed: '' }).ok).toBe(false);
    expect(parseBudget({ maxTokens: '', maxCostUsd: '-1', onExceed: '' })).toEqual({ ok: false, error: 'Max USD must be a number above 0.' });
    expect(parseBudget({ maxTokens: '', maxCostUsd: 'abc', onExceed: 'x' }).ok).toBe(false);
  });

  it('the request box sends a budget only when a limit is given, with the approval mode and autoStart', () => {
    const form = (fields: Record<string, string>) => {
      const d = new FormData();
      for (const [k, v] of Object.entries(fields)) d.set(k, v);
      return d;
    };
    expect(planInput(form({ request: ' auth ', autoStart: 'on', maxTokens: '', maxCostUsd: '', onExceed: 'STOP' }), 'k')).toEqual({
      input: { request: 'auth', autoStart: true, approval: 'NONE', idempotencyKey: 'k' },
    });
    expect(planInput(form({ request: 'auth', approval: 'BEFORE_RUN', maxTokens: '5000', maxCostUsd: '', onExceed: 'PAUSE' }), 'k')).toEqual({
      input: { request: 'auth', autoStart: false, approval: 'BEFORE_RUN', idempotencyKey: 'k', budget: { maxTokens: 5000, maxCostUsd: null, onExceed: 'PAUSE' } },
    });
    expect(planInput(form({ request: '  ' }), 'k')).toEqual({ error: 'Type what to build.' });
    expect(planInput(form({ request: 'auth', maxTokens: 'many' }), 'k')).toEqual({ error: 'Max tokens must be a whole number above 0.' });
  });
});
