import { describe, expect, it } from 'vitest';
import { editPlan, replan, RUN_EVERYTHING, type WorkflowRow } from '../../src/engine/core/index.ts';

/** replanWorkflow's decisions in the core: the request, its failure, and its plan applied only while it is current. */
const wf: WorkflowRow = {
  id: 'w',
  tenant: 't',
  status: 'FAILED',
  description: '',
  lastSeq: 9,
  totalTasks: 2,
  completedTasks: 1,
  finishedTasks: 2,
  failedTasks: 1,
  startedAt: 1,
  createdAt: 0,
  budget: null,
  budgetState: 0,
  usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
};
const by = { keyId: 'k1', keyName: 'alice' };
const ask = { id: 'r1', feedback: 'plain forms', autoStart: true, by };

describe('replan decisions', () => {
  it('a request moves a PLANNED, FAILED or CANCELLED workflow to PLANNING, its event naming the feedback and who asked', () => {
    expect(replan.requestReplan(wf, ask, 3)).toEqual({
      request: { ...ask, from: 'FAILED', revision: 3 },
      events: [{ kind: 'planning', payload: { orchestrator: 'orchestrator', replan: { feedback: 'plain forms', by, from: 'FAILED' } } }],
      patch: { status: 'PLANNING' },
    });
    for (const status of ['PLANNING', 'EXECUTING', 'PAUSED', 'COMPLETED'] as const) {
      expect(() => replan.requestReplan({ ...wf, status }, ask, 3)).toThrow(/only a PLANNED, FAILED or CANCELLED workflow can be replanned/);
    }
  });

  it('a failure ends the workflow FAILED with replan_failed then failed, only while its request is current', () => {
    const { request } = replan.requestReplan(wf, ask, 3);
    const planning = { ...wf, status: 'PLANNING' as const };
    expect(replan.replanFailed(planning, request, 'r1', 'PLANNING_FAILED', 'down', 9)).toEqual({
      events: [
        { kind: 'replan_failed', payload: { code: 'PLANNING_FAILED', error: 'down', status: 'FAILED' } },
        { kind: 'failed', payload: { error: 'PLANNING_FAILED: down' } },
      ],
      patch: { status: 'FAILED', error: 'PLANNING_FAILED: down', completedAt: 9 },
    });
    // Cancelled meanwhile, or replaced by a later request: nothing.
    expect(replan.replanFailed({ ...wf, status: 'CANCELLED' }, request, 'r1', 'PLANNING_FAILED', 'down', 9)).toBeNull();
    expect(replan.replanFailed(planning, { ...request, id: 'r2' }, 'r1', 'PLANNING_FAILED', 'down', 9)).toBeNull();
  });

  it('a plan is applied only to the request it answers; the workflow goes back to the status it was replanned from', () => {
    const { request } = replan.requestReplan(wf, ask, 3);
    const planning = { ...wf, status: 'PLANNING' as const };
    const current = [
      { id: 'a', key: '1', agent: 'dev', description: 'done', dependsOn: [], approval: 'NONE' as const, status: 'COMPLETED' as const },
      { id: 'b', key: '2', agent: 'dev', description: 'broken', dependsOn: ['1'], approval: 'NONE' as const, status: 'FAILED' as const },
    ];
    const desired = {
      tasks: [
        { key: '1', agent: 'dev', description: 'done', dependsOn: [] },
        { key: '2', agent: 'dev', description: 'fixed', dependsOn: ['1'] },
      ],
      dependents: { '1': ['2'] },
      topoOrder: ['1', '2'],
    };
    const d = editPlan(planning, 3, 3, current, desired, by, RUN_EVERYTHING, { text: 'plan', id: 'r1', pending: request });
    expect(d.patch).toEqual({ status: 'FAILED', plan: 'plan', totalTasks: 2 });
    expect(d.rows.map((r) => [r.id, r.status, r.remaining])).toEqual([
      ['a', 'COMPLETED', 0],
      ['b', 'PENDING', 0],
    ]);
    expect(() => editPlan(planning, 3, 3, current, desired, by, RUN_EVERYTHING, { text: 'plan', id: 'r0', pending: request })).toThrow(/cancelled or replaced/);
    expect(() => editPlan({ ...wf, status: 'CANCELLED' }, 3, 3, current, desired, by, RUN_EVERYTHING, { text: 'plan', id: 'r1', pending: request })).toThrow(
      /cancelled or replaced/,
    );
  });
});
