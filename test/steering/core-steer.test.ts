import { describe, expect, it } from 'vitest';
import { APPROVALS, decide, steer, type TaskRow, type WorkflowRow } from '../../src/engine/core/index.ts';

/** The steering decisions of the core, without a store. */
const wf: WorkflowRow = {
  id: 'w',
  tenant: 't',
  status: 'EXECUTING',
  description: '',
  lastSeq: 5,
  totalTasks: 3,
  completedTasks: 0,
  finishedTasks: 0,
  failedTasks: 0,
  startedAt: 1,
  createdAt: 0,
  budget: null,
  budgetState: 0,
  usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
};
const row = (key: string, status: TaskRow['status'], dependsOn: string[] = [], dependents: string[] = []): TaskRow => ({
  id: key,
  key,
  agent: 'dev',
  orderIndex: Number(key),
  status,
  dependsOn,
  dependents,
});
const by = { keyId: 'k1', keyName: 'alice' };

describe('steering decisions', () => {
  it('approve needs a waiting task; a review approval completes it and admits its dependents through the policy', () => {
    expect(() => steer.approveRun(wf, row('1', 'READY'), by, null)).toThrow(/INVALID_STATE|needs a task that is AWAITING_APPROVAL/);
    expect(steer.approveRun(wf, row('1', 'AWAITING_APPROVAL'), by, 'ok').events[0]).toMatchObject({ kind: 'task_approved', payload: { by, comment: 'ok' } });
    const d = steer.approveReview(
      wf,
      row('1', 'AWAITING_REVIEW', [], ['2']),
      'out',
      [{ taskId: '2', workflowId: 'w', key: '2', agent: 'dev', orderIndex: 2, approval: 'BEFORE_RUN' }],
      by,
      null,
      APPROVALS,
    );
    expect(d.events.map((e) => e.kind)).toEqual(['task_approved', 'task_completed', 'progress', 'task_awaiting_approval']);
    expect(d.awaiting.map((r) => r.key)).toEqual(['2']);
    expect(d.ready).toEqual([]);
  });

  it('reject skips the transitive dependents and names the task and the reason', () => {
    const graph = [row('1', 'AWAITING_REVIEW', [], ['2']), row('2', 'PENDING', ['1'], ['3']), row('3', 'PENDING', ['2'])];
    const d = steer.reject(wf, graph[0]!, graph, by, 'wrong');
    expect(d.skipped.map((r) => r.key)).toEqual(['2', '3']);
    expect(d.patch.error).toBe('task 1 (@dev) was rejected: wrong');
    expect(d.ends).toBe('FAILED');
    expect(d.events[0]).toMatchObject({ kind: 'task_rejected', payload: { comment: 'wrong', by } });
  });

  it('pause and resume accept only EXECUTING and PAUSED', () => {
    expect(steer.pause(wf, by).patch).toEqual({ status: 'PAUSED' });
    expect(() => steer.resume(wf, [], by)).toThrow(/only a PAUSED workflow/);
    expect(() => steer.pause({ ...wf, status: 'PAUSED' }, by)).toThrow(/only an EXECUTING workflow/);
  });

  it('retry: tasks awaiting a decision keep awaiting; a REJECTED task awaits approval again, whatever its mode', () => {
    const graph: TaskRow[] = [
      row('1', 'COMPLETED', [], ['2', '3', '5']),
      { ...row('2', 'AWAITING_REVIEW', ['1'], ['4']), approval: 'AFTER_RUN' },
      { ...row('3', 'AWAITING_APPROVAL', ['1']), approval: 'BEFORE_RUN' },
      row('4', 'SKIPPED', ['2']),
      { ...row('5', 'REJECTED', ['1']), approval: 'AFTER_RUN' },
      row('6', 'FAILED', ['1']),
    ];
    const d = decide.retry({ ...wf, status: 'FAILED', totalTasks: 6 }, graph, APPROVALS);
    expect(d.resets).toEqual([
      { id: '4', status: 'PENDING', remaining: 1 },
      { id: '5', status: 'AWAITING_APPROVAL', remaining: 0 },
      { id: '6', status: 'READY', remaining: 0 },
    ]);
    expect(d.ready.map((r) => r.key)).toEqual(['6']);
    expect(d.events.map((e) => e.kind)).toEqual(['started', 'progress', 'task_awaiting_approval']);
    expect(d.events[2]).toEqual({ kind: 'task_awaiting_approval', payload: { taskId: '5', key: '5', agent: 'dev' } });
    expect(d.patch).toEqual({ status: 'EXECUTING', error: null, results: null, completedAt: null, finishedTasks: 1, completedTasks: 1, failedTasks: 0 });
  });

  it('AFTER_RUN is held after its run, BEFORE_RUN before', () => {
    expect(APPROVALS.holdBeforeRun({ taskId: 'a', workflowId: 'w', key: 'a', agent: 'dev', orderIndex: 0, approval: 'BEFORE_RUN' }, wf)).toBe(true);
    const claimed = { taskId: 'a', workflowId: 'w', tenant: 't', key: 'a', agent: 'dev', description: '', request: '', dependsOn: [], attempt: 1, lease: 'l' };
    expect(APPROVALS.holdAfterRun({ ...claimed, approval: 'AFTER_RUN' })).toBe(true);
    expect(APPROVALS.holdAfterRun({ ...claimed, approval: 'NONE' })).toBe(false);
  });
});
