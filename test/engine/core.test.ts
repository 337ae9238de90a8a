import { describe, expect, it } from 'vitest';
import { decide, type EnginePolicy, RUN_EVERYTHING } from '../../src/engine/core/index.ts';
import { stepThrough } from '../../src/engine/core/step-through.ts';
import { plan } from '../store/plan.ts';

/** The pure core: decisions without a store. */

const holdTask = (key: string): EnginePolicy => ({ ...RUN_EVERYTHING, holdBeforeRun: (t) => t.key === key });

describe('the engine core', () => {
  it('a policy that holds a named task before its run holds it AWAITING_APPROVAL: the others run, it waits, and the run does not end', () => {
    const run = stepThrough(plan('a:dev', 'b:qa<-a', 'c:qa<-a', 'd:dev<-b,c'), holdTask('c'));
    expect(run.start().ready.map((r) => r.key)).toEqual(['a']);
    run.claim(['a']);
    run.complete(['a'], 0);
    expect(run.statuses()).toEqual({ a: 'COMPLETED', b: 'READY', c: 'AWAITING_APPROVAL', d: 'PENDING' });
    expect(run.events).toContain('task_awaiting_approval');
    run.claim(['b', 'c']); // c is not claimable: awaiting, not READY
    expect(run.status('c')).toBe('AWAITING_APPROVAL');
    run.complete(['b'], 1);
    expect(run.statuses()).toEqual({ a: 'COMPLETED', b: 'COMPLETED', c: 'AWAITING_APPROVAL', d: 'PENDING' });
    expect(run.wf.status).toBe('EXECUTING');
    expect(run.events).not.toContain('completed');
  });

  it('holding a root at the start returns it apart from the ready ones', () => {
    const run = stepThrough(plan('a:dev', 'b:qa'), holdTask('a'));
    const d = run.start();
    expect(d.ready.map((r) => r.key)).toEqual(['b']);
    expect(d.awaiting.map((r) => r.key)).toEqual(['a']);
    expect(d.held).toEqual([]);
    expect(d.events.map((e) => e.kind)).toEqual(['started', 'progress', 'task_awaiting_approval']);
  });

  it('afterUsage saying hold holds everything a completion made runnable', () => {
    const pause: EnginePolicy = { ...RUN_EVERYTHING, afterUsage: (_wf, usage) => (usage.inputTokens > 10 ? 'hold' : 'continue') };
    const wf = {
      id: 'w',
      tenant: 't',
      status: 'EXECUTING' as const,
      description: '',
      lastSeq: 3,
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
    const runnable = [{ taskId: 'b', workflowId: 'w', key: 'b', agent: 'qa', orderIndex: 1 }];
    const done = (input: number) => [{ taskId: 'a', key: 'a', agent: 'dev', output: 'x', durationMs: 1, usage: { input, output: 0 } }];
    expect(decide.complete(wf, done(5), runnable, pause).ready).toHaveLength(1);
    const held = decide.complete(wf, done(50), runnable, pause);
    expect(held.ready).toEqual([]);
    expect(held.held.map((r) => r.key)).toEqual(['b']);
    expect(held.patch.inputTokens).toEqual({ add: 50 });
  });

  it('a completion that makes the last task final ends the run; a failure skips only dependents', () => {
    const run = stepThrough(plan('a:dev', 'b:qa<-a', 'c:qa'));
    run.start();
    run.claim(['a', 'c']);
    run.fail('a');
    expect(run.statuses()).toEqual({ a: 'FAILED', b: 'SKIPPED', c: 'RUNNING' });
    run.complete(['c'], 0);
    expect(run.wf.status).toBe('FAILED');
    expect(run.events.slice(-3)).toEqual(['task_completed', 'progress', 'failed']);
  });

  it('cancel accepts PLANNING and refuses a finished run; retry keeps completed tasks and counts the rest again', () => {
    const planning = {
      id: 'w',
      tenant: 't',
      status: 'PLANNING' as const,
      description: '',
      lastSeq: 2,
      totalTasks: 0,
      completedTasks: 0,
      finishedTasks: 0,
      failedTasks: 0,
      startedAt: null,
      createdAt: 0,
      budget: null,
      budgetState: 0,
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    };
    expect(decide.cancel(planning, [], 'no', 5).events.map((e) => e.kind)).toEqual(['cancelled']);
    expect(() => decide.cancel({ ...planning, status: 'COMPLETED' }, [], null, 5)).toThrow(/only a PLANNING, PLANNED, EXECUTING or PAUSED/);
    const run = stepThrough(plan('a:dev', 'b:qa<-a', 'c:qa<-b'));
    run.start();
    run.claim(['a']);
    run.complete(['a'], 1);
    run.fail('b');
    expect(run.wf.status).toBe('FAILED');
    const d = run.retry();
    expect(d.resets).toEqual([
      { id: 'b', status: 'READY', remaining: 0 },
      { id: 'c', status: 'PENDING', remaining: 1 },
    ]);
    expect(d.events.map((e) => e.kind)).toEqual(['started', 'progress']);
    expect(run.statuses()).toEqual({ a: 'COMPLETED', b: 'READY', c: 'PENDING' });
  });
});
