import { describe, expect, it } from 'vitest';
import { NO_USAGE } from '../../web/src/state/budget.ts';
import { availableDecisions, canRerun } from '../../web/src/state/actions.ts';
import { addTask, draftOf, draftViews, parseKeys, removeTask, toEditPlanInput, updateTask } from '../../web/src/state/plan-draft.ts';
import { applyEvent, fromSnapshot, needsSnapshot, type TaskView, type WorkflowEvent, type WorkflowView } from '../../web/src/state/workflow-view.ts';

/** The dashboard's pure steering core: decisions, approval events, tool calls, the plan draft. */
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

const view = (tasks: TaskView[], over: Partial<WorkflowView> = {}): WorkflowView => ({
  id: 'w',
  description: 'auth',
  status: 'EXECUTING',
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
  ...over,
});

const at = '2026-01-01T00:00:01.000Z';
const ev = (e: Record<string, unknown>) => ({ workflowId: 'w', at, cursor: String(e.seq), agent: 'backend', ...e }) as unknown as WorkflowEvent;
const taskEv = (typename: string, kind: string, seq: number, key: string, more: Record<string, unknown> = {}) =>
  ev({ __typename: typename, kind, seq, key, taskId: `t${key}`, ...more });

describe('decisions', () => {
  it('offers approve/reject before a run, approve/changes/reject after it, on an EXECUTING or PAUSED workflow, to operators', () => {
    expect(availableDecisions('OPERATOR', 'EXECUTING', 'AWAITING_APPROVAL')).toEqual(['approve', 'reject']);
    expect(availableDecisions('ADMIN', 'PAUSED', 'AWAITING_REVIEW')).toEqual(['approve', 'changes', 'reject']);
    expect(availableDecisions('ADMIN', 'EXECUTING', 'RUNNING')).toEqual([]);
    expect(availableDecisions('ADMIN', 'FAILED', 'AWAITING_APPROVAL')).toEqual([]);
    expect(availableDecisions('VIEWER', 'EXECUTING', 'AWAITING_APPROVAL')).toEqual([]);
    expect(availableDecisions(null, 'EXECUTING', 'AWAITING_REVIEW')).toEqual([]);
    expect([canRerun('OPERATOR', 'COMPLETED'), canRerun('OPERATOR', 'EXECUTING'), canRerun('VIEWER', 'FAILED')]).toEqual([true, false, false]);
  });

  it('follows a task through awaiting approval, approval, review, changes and rejection; pause and resume', () => {
    let v = view([task('1'), task('2'), task('3', ['1', '2'])]);
    v = applyEvent(v, taskEv('TaskAwaitingApprovalEvent', 'TASK_AWAITING_APPROVAL', 2, '1'));
    v = applyEvent(v, taskEv('TaskAwaitingApprovalEvent', 'TASK_AWAITING_APPROVAL', 3, '2'));
    expect(v.tasks.map((t) => t.status)).toEqual(['AWAITING_APPROVAL', 'AWAITING_APPROVAL', 'PENDING']);
    v = applyEvent(v, taskEv('TaskApprovedEvent', 'TASK_APPROVED', 4, '1', { comment: null }));
    expect(v.tasks[0]!.status).toBe('READY');
    v = applyEvent(v, taskEv('TaskAwaitingReviewEvent', 'TASK_AWAITING_REVIEW', 5, '1', { reviewOutput: 'draft' }));
    expect(v.tasks[0]).toMatchObject({ status: 'AWAITING_REVIEW', output: 'draft' });
    v = applyEvent(v, taskEv('TaskChangesRequestedEvent', 'TASK_CHANGES_REQUESTED', 6, '1', { comment: 'more tests' }));
    expect(v.tasks[0]!.status).toBe('READY');
    v = applyEvent(v, taskEv('TaskAwaitingReviewEvent', 'TASK_AWAITING_REVIEW', 7, '1', { reviewOutput: 'better' }));
    v = applyEvent(v, taskEv('TaskApprovedEvent', 'TASK_APPROVED', 8, '1', { comment: null }));
    expect(v.tasks[0]).toMatchObject({ status: 'COMPLETED', output: 'better' });
    v = applyEvent(v, taskEv('TaskRejectedEvent', 'TASK_REJECTED', 9, '2', { comment: 'not needed' }));
    expect(v.tasks[1]).toMatchObject({ status: 'REJECTED', error: 'not needed' });
    v = applyEvent(v, ev({ __typename: 'PausedEvent', kind: 'PAUSED', seq: 10 }));
    expect(v.status).toBe('PAUSED');
    v = applyEvent(v, ev({ __typename: 'ResumedEvent', kind: 'RESUMED', seq: 11 }));
    expect(v.status).toBe('EXECUTING');
    expect(needsSnapshot(ev({ __typename: 'PlanEditedEvent', kind: 'PLAN_EDITED', seq: 12 }), v)).toBe(true);
  });

  it('collects tool calls with their results once each, and keeps them across a new snapshot', () => {
    let v = view([task('1')]);
    const call = taskEv('TaskToolCallEvent', 'TASK_TOOL_CALL', 3, '1', { callId: 'c1', tool: 'workspace/write_file', arguments: '{"path":"a.ts"}' });
    const result = taskEv('TaskToolResultEvent', 'TASK_TOOL_RESULT', 4, '1', { callId: 'c1', ok: true, preview: 'wrote a.ts' });
    for (const e of [call, result, call, result]) v = applyEvent(v, e);
    expect(v.toolCalls['1']).toEqual([{ callId: 'c1', tool: 'workspace/write_file', arguments: '{"path":"a.ts"}', at, seq: 3, result: { ok: true, preview: 'wrote a.ts' } }]);
    const snapshot = {
      id: 'w',
      description: 'auth',
      status: 'EXECUTING',
      planRevision: 2,
      progress: { completed: 0, total: 1, percent: 0 },
      usage: NO_USAGE,
      budget: null,
      tasks: [],
    } as unknown as Parameters<typeof fromSnapshot>[0];
    expect(fromSnapshot(snapshot, v).toolCalls).toBe(v.toolCalls);
    expect(fromSnapshot({ ...snapshot, id: 'other' }, v).toolCalls).toEqual({});
  });
});

describe('the plan draft', () => {
  const tasks = [task('1'), task('2', ['1']), task('3', ['1', '2'], { approval: 'BEFORE_RUN' })];

  it('adds with the next key, removes a task from its dependents, rewires, and sends the full list at its revision', () => {
    let d = draftOf(tasks);
    d = addTask(d);
    expect(d.at(-1)).toEqual({ key: '4', agent: 'backend', description: '', dependsOn: [], approval: 'NONE' });
    d = updateTask(d, '4', { description: 'docs', dependsOn: parseKeys('3, 2 ,') });
    d = removeTask(d, '2');
    expect(d.map((t) => [t.key, t.dependsOn])).toEqual([
      ['1', []],
      ['3', ['1']],
      ['4', ['3']],
    ]);
    expect(toEditPlanInput(d, 5)).toEqual({
      revision: 5,
      tasks: [
        { key: '1', agent: 'backend', description: 'task 1', dependsOn: [], approval: 'NONE' },
        { key: '3', agent: 'backend', description: 'task 3', dependsOn: ['1'], approval: 'BEFORE_RUN' },
        { key: '4', agent: 'backend', description: 'docs', dependsOn: ['3'], approval: 'NONE' },
      ],
    });
    // Drawn as nodes: known tasks keep their view, new ones are PENDING.
    expect(draftViews(d, tasks).map((t) => [t.key, t.id, t.status, t.dependsOn])).toEqual([
      ['1', 't1', 'PENDING', []],
      ['3', 't3', 'PENDING', ['1']],
      ['4', 'draft:4', 'PENDING', ['3']],
    ]);
  });
});
