import { describe, expect, it } from 'vitest';
import { NO_USAGE } from '../../web/src/state/budget.ts';
import { availableActions } from '../../web/src/state/actions.ts';
import { applyEvent, criticalPath, needsSnapshot, timeline, type TaskView, type WorkflowEvent, type WorkflowView } from '../../web/src/state/workflow-view.ts';

/** The dashboard's pure core (web/src/state): what the page shows for a snapshot plus events. */
const task = (key: string, dependsOn: string[] = [], over: Partial<TaskView> = {}): TaskView => ({
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
  dependsOn,
  usage: NO_USAGE,
  approval: 'NONE',
  history: [],
  ...over,
});

const view = (tasks: TaskView[]): WorkflowView => ({
  id: 'w',
  description: 'auth',
  status: 'PLANNED',
  error: null,
  startedAt: null,
  completedAt: null,
  progress: { completed: 0, total: tasks.length, percent: 0 },
  usage: NO_USAGE,
  budget: null,
  budgetNotice: null,
  planRevision: 1,
  tasks,
  toolCalls: {},
});

const base = { workflowId: 'w', at: '2026-01-01T00:00:01.000Z' };
const ev = (e: Record<string, unknown>) => ({ ...base, ...e }) as unknown as WorkflowEvent;

describe('applyEvent', () => {
  it('runs a task through started, streamed output (each chunk once) and completed', () => {
    let v = view([task('1'), task('2', ['1'])]);
    v = applyEvent(v, ev({ __typename: 'StartedEvent', kind: 'STARTED', seq: 3 }));
    v = applyEvent(v, ev({ __typename: 'TaskStartedEvent', kind: 'TASK_STARTED', seq: 4, key: '1', taskId: 't1', agent: 'backend', attempt: 1 }));
    for (const [index, text] of [
      [0, 'Hel'],
      [1, 'lo'],
      [1, 'lo'],
      [0, 'Hel'],
    ] as const) {
      v = applyEvent(v, ev({ __typename: 'TaskOutputEvent', kind: 'TASK_OUTPUT', seq: 4, key: '1', taskId: 't1', agent: 'backend', index, text }));
    }
    expect(v.status).toBe('EXECUTING');
    expect(v.tasks[0]).toMatchObject({ status: 'RUNNING', attempts: 1, output: 'Hello', startedAt: base.at });
    v = applyEvent(v, ev({ __typename: 'TaskCompletedEvent', kind: 'TASK_COMPLETED', seq: 5, key: '1', taskId: 't1', agent: 'backend', output: 'Hello world', durationMs: 120 }));
    expect(v.tasks[0]).toMatchObject({ status: 'COMPLETED', output: 'Hello world', durationMs: 120, completedAt: base.at });
    // A late chunk of the finished attempt does not touch the stored output.
    v = applyEvent(v, ev({ __typename: 'TaskOutputEvent', kind: 'TASK_OUTPUT', seq: 5, key: '1', taskId: 't1', agent: 'backend', index: 2, text: '!!' }));
    expect(v.tasks[0]!.output).toBe('Hello world');
    expect(v.tasks[1]!.status).toBe('PENDING');
  });

  it('a retried attempt starts its output afresh; failures, skips and cancels show with their reason', () => {
    let v = view([task('1'), task('2', ['1']), task('3')]);
    v = applyEvent(v, ev({ __typename: 'TaskStartedEvent', kind: 'TASK_STARTED', seq: 1, key: '1', taskId: 't1', agent: 'backend', attempt: 1 }));
    v = applyEvent(v, ev({ __typename: 'TaskOutputEvent', kind: 'TASK_OUTPUT', seq: 1, key: '1', taskId: 't1', agent: 'backend', index: 0, text: 'first' }));
    v = applyEvent(
      v,
      ev({ __typename: 'TaskRetryingEvent', kind: 'TASK_RETRYING', seq: 2, key: '1', taskId: 't1', agent: 'backend', attempt: 1, delayMs: 10, retryError: 'rate limited' }),
    );
    expect(v.tasks[0]).toMatchObject({ status: 'READY', error: 'rate limited' });
    v = applyEvent(v, ev({ __typename: 'TaskStartedEvent', kind: 'TASK_STARTED', seq: 3, key: '1', taskId: 't1', agent: 'backend', attempt: 2 }));
    v = applyEvent(v, ev({ __typename: 'TaskOutputEvent', kind: 'TASK_OUTPUT', seq: 3, key: '1', taskId: 't1', agent: 'backend', index: 0, text: 'second' }));
    expect(v.tasks[0]).toMatchObject({ status: 'RUNNING', attempts: 2, output: 'second', error: null });
    v = applyEvent(v, ev({ __typename: 'TaskFailedEvent', kind: 'TASK_FAILED', seq: 4, key: '1', taskId: 't1', agent: 'backend', taskError: 'boom' }));
    v = applyEvent(v, ev({ __typename: 'TaskSkippedEvent', kind: 'TASK_SKIPPED', seq: 5, key: '2', taskId: 't2', agent: 'backend', reason: 'dependency 1 failed' }));
    v = applyEvent(v, ev({ __typename: 'TaskCancelledEvent', kind: 'TASK_CANCELLED', seq: 6, key: '3', taskId: 't3', agent: 'backend' }));
    v = applyEvent(v, ev({ __typename: 'FailedEvent', kind: 'FAILED', seq: 7, error: 'task 1 failed' }));
    expect(v.tasks.map((t) => [t.key, t.status, t.error])).toEqual([
      ['1', 'FAILED', 'boom'],
      ['2', 'SKIPPED', 'dependency 1 failed'],
      ['3', 'CANCELLED', null],
    ]);
    expect(v).toMatchObject({ status: 'FAILED', error: 'task 1 failed' });
  });

  it('asks for a snapshot when the plan or the run changes shape, or a task it does not know appears', () => {
    const v = view([task('1')]);
    expect(needsSnapshot(ev({ __typename: 'PlanReadyEvent', kind: 'PLAN_READY', seq: 2 }), v)).toBe(true);
    expect(needsSnapshot(ev({ __typename: 'CompletedEvent', kind: 'COMPLETED', seq: 9 }), v)).toBe(true);
    expect(needsSnapshot(ev({ __typename: 'TaskStartedEvent', kind: 'TASK_STARTED', seq: 3, key: '1', attempt: 1 }), v)).toBe(false);
    expect(needsSnapshot(ev({ __typename: 'TaskStartedEvent', kind: 'TASK_STARTED', seq: 3, key: '9', attempt: 1 }), v)).toBe(true);
  });
});

describe('criticalPath', () => {
  it('follows the latest-finishing dependency back from the latest finish', () => {
    const tasks = [
      task('1', [], { durationMs: 100 }),
      task('2', ['1'], { durationMs: 300 }),
      task('3', ['1'], { durationMs: 100 }),
      task('4', [], { durationMs: 500 }),
      task('5', [], { durationMs: 50 }),
      task('6', ['2', '3'], { durationMs: 100 }),
      task('7', ['4', '5', '6'], { durationMs: 100 }),
      task('8', ['7'], { durationMs: 50 }),
    ];
    expect(criticalPath(tasks)).toEqual(['4', '7', '8']);
    tasks[1] = { ...tasks[1]!, durationMs: 400 };
    expect(criticalPath(tasks)).toEqual(['1', '2', '6', '7', '8']);
    expect(criticalPath([])).toEqual([]);
  });
});

describe('timeline', () => {
  it('places spans from the first start; a running span ends now', () => {
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    const iso = (ms: number) => new Date(t0 + ms).toISOString();
    const { spans, total } = timeline(
      [task('1', [], { status: 'COMPLETED', startedAt: iso(0), completedAt: iso(100) }), task('2', ['1'], { status: 'RUNNING', startedAt: iso(100) }), task('3', ['2'])],
      t0 + 250,
    );
    expect(spans).toEqual([
      { key: '1', status: 'COMPLETED', from: 0, to: 100 },
      { key: '2', status: 'RUNNING', from: 100, to: 250 },
    ]);
    expect(total).toBe(250);
  });
});

describe('availableActions', () => {
  it('offers what the state allows, and nothing to a VIEWER', () => {
    expect(availableActions('OPERATOR', 'PLANNED').map((a) => a.action)).toEqual(['start', 'edit', 'replan', 'cancel']);
    expect(availableActions('ADMIN', 'EXECUTING').map((a) => a.action)).toEqual(['pause', 'cancel']);
    expect(availableActions('ADMIN', 'PAUSED').map((a) => a.action)).toEqual(['resume', 'cancel']);
    expect(availableActions('ADMIN', 'FAILED').map((a) => a.action)).toEqual(['replan', 'retry']);
    expect(availableActions('ADMIN', 'COMPLETED')).toEqual([]);
    expect(availableActions('VIEWER', 'PLANNED')).toEqual([]);
    expect(availableActions(null, 'PLANNED')).toEqual([]);
  });
});
