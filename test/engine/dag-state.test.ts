import { describe, expect, it } from 'vitest';
import {
  cancelRun, createDagState, type DagEvent, type DagState, progress, remainingOf, retryRun, simulate, simulateWaves,
  startRun, statuses, taskCompleted, taskFailed, taskStarted,
} from '../../src/engine/dag-state.ts';
import { InvalidStateError, NotFoundError } from '../../src/errors.ts';
import { criticalPath, validatePlan } from '../../src/planning/dag.ts';
import type { PlannedTask } from '../../src/planning/types.ts';

const AGENTS: ReadonlySet<string> = new Set(['backend', 'frontend', 'qa', 'devops']);
const t = (key: string, agent: string, dependsOn: string[] = []): PlannedTask => ({ key, agent, description: `Task ${key}`, dependsOn });
const plan = (tasks: PlannedTask[]) => validatePlan(tasks, { agents: AGENTS });

const PROFILE = plan([t('1', 'backend'), t('2', 'frontend', ['1']), t('3', 'qa', ['1', '2'])]);
const DARK_MODE = plan([t('1', 'frontend'), t('2', 'frontend'), t('3', 'qa', ['1']), t('4', 'qa', ['2'])]);
const AUTH = plan([
  t('1', 'backend'), t('2', 'backend', ['1']), t('3', 'backend', ['1']), t('4', 'frontend'), t('5', 'frontend'),
  t('6', 'qa', ['2', '3']), t('7', 'qa', ['4', '5', '6']), t('8', 'devops', ['7']),
]);
const DIAMOND = plan([t('1', 'qa'), t('2', 'qa', ['1']), t('3', 'qa', ['1']), t('4', 'qa', ['2', '3'])]);
const MIDDLE = Array.from({ length: 200 }, (_, i) => String(i + 2));
const FAN = plan([t('1', 'qa'), ...MIDDLE.map((k) => t(k, 'qa', ['1'])), t('202', 'qa', MIDDLE)]);
const AUTH_DURATIONS: Record<string, number> = { 1: 100, 2: 300, 3: 100, 4: 500, 5: 50, 6: 100, 7: 100, 8: 50 };

/** Starts every task the moment it is ready, like the engine. */
function startAll(state: DagState, keys: string[], now: number): DagState {
  return keys.reduce((s, k) => taskStarted(s, k, now).state, state);
}

/** Runs a plan completing tasks in the given order at times 1, 2, ...; returns the ready set after each step. */
function drive(state: DagState, completions: string[]) {
  const start = startRun(state, 0);
  state = startAll(start.state, start.ready, 0);
  const readySets = [start.ready];
  const done: (string | null)[] = [];
  completions.forEach((key, i) => {
    const r = taskCompleted(state, key, i + 1);
    state = startAll(r.state, r.ready, i + 1);
    readySets.push(r.ready);
    done.push(r.done);
  });
  return { state, readySets, done };
}

describe('RezNet scenarios', () => {
  it('profile page: a chain, one task at a time, with every event', () => {
    let s = createDagState(PROFILE);
    const events: DagEvent[] = [];
    const step = <R extends { state: DagState; events: DagEvent[] }>(r: R): R => ((s = r.state), events.push(...r.events), r);
    expect(step(startRun(s, 0)).ready).toEqual(['1']);
    step(taskStarted(s, '1', 1));
    expect(step(taskCompleted(s, '1', 10))).toMatchObject({ ready: ['2'], done: null });
    step(taskStarted(s, '2', 10));
    expect(step(taskCompleted(s, '2', 20))).toMatchObject({ ready: ['3'], done: null });
    step(taskStarted(s, '3', 21));
    expect(step(taskCompleted(s, '3', 30))).toMatchObject({ ready: [], done: 'COMPLETED' });
    expect(events).toEqual([
      { kind: 'task_ready', key: '1', at: 0 },
      { kind: 'task_started', key: '1', at: 1 },
      { kind: 'task_completed', key: '1', at: 10 },
      { kind: 'task_ready', key: '2', at: 10 },
      { kind: 'task_started', key: '2', at: 10 },
      { kind: 'task_completed', key: '2', at: 20 },
      { kind: 'task_ready', key: '3', at: 20 },
      { kind: 'task_started', key: '3', at: 21 },
      { kind: 'task_completed', key: '3', at: 30 },
      { kind: 'completed', at: 30 },
    ]);
    expect(s.phase).toBe('COMPLETED');
    expect(progress(s)).toEqual({ completed: 3, total: 3, percent: 100 });
  });

  it('dark mode: two independent chains', () => {
    const r = drive(createDagState(DARK_MODE), ['2', '1', '4', '3']);
    expect(r.readySets).toEqual([['1', '2'], ['4'], ['3'], [], []]);
    expect(r.done).toEqual([null, null, null, 'COMPLETED']);
  });

  it('auth: eight tasks, each ready the moment its last dependency completes', () => {
    const r = drive(createDagState(AUTH), ['5', '1', '3', '4', '2', '6', '7', '8']);
    expect(r.readySets).toEqual([['1', '4', '5'], [], ['2', '3'], [], [], ['6'], ['7'], ['8'], []]);
    expect(r.done).toEqual([null, null, null, null, null, null, null, 'COMPLETED']);
    expect(progress(r.state)).toEqual({ completed: 8, total: 8, percent: 100 });
  });
});

describe('shapes', () => {
  it('diamond: the join is ready only after both branches', () => {
    const r = drive(createDagState(DIAMOND), ['1', '3', '2', '4']);
    expect(r.readySets).toEqual([['1'], ['2', '3'], [], ['4'], []]);
    expect(r.done).toEqual([null, null, null, 'COMPLETED']);
  });

  it('1 -> 200 -> 1: the sink becomes ready exactly once, after the 200th completion', () => {
    let s = startAll(startRun(createDagState(FAN), 0).state, ['1'], 0);
    const first = taskCompleted(s, '1', 1);
    expect(first.ready).toEqual(MIDDLE);
    s = startAll(first.state, MIDDLE, 1);
    expect(remainingOf(s, '202')).toBe(200);
    const readySets: string[][] = [];
    const sinkReady: DagEvent[] = [];
    for (const key of [...MIDDLE].reverse()) {
      const r = taskCompleted(s, key, 2);
      s = r.state;
      readySets.push(r.ready);
      sinkReady.push(...r.events.filter((e) => e.kind === 'task_ready'));
    }
    expect(readySets).toEqual([...Array.from({ length: 199 }, () => []), ['202']]);
    expect(sinkReady).toEqual([{ kind: 'task_ready', key: '202', at: 2 }]);
    expect(remainingOf(s, '202')).toBe(0);
    expect(taskCompleted(taskStarted(s, '202', 3).state, '202', 4).done).toBe('COMPLETED');
  });
});

/** Auth with 1 completed, then 2, 3, 4, 5 running. */
function authMidway(): DagState {
  const r = drive(createDagState(AUTH), ['1']);
  return r.state;
}

describe('failure', () => {
  it('skips the transitive dependents of a failed task; independent branches finish; the run fails', () => {
    const failed = taskFailed(authMidway(), '3', 5);
    expect(failed.skipped).toEqual(['6', '7', '8']);
    expect(failed.done).toBe(null);
    expect(failed.events).toEqual([
      { kind: 'task_failed', key: '3', at: 5 },
      { kind: 'task_skipped', key: '6', at: 5 },
      { kind: 'task_skipped', key: '7', at: 5 },
      { kind: 'task_skipped', key: '8', at: 5 },
    ]);
    const four = taskCompleted(failed.state, '4', 6);
    const two = taskCompleted(four.state, '2', 7);
    expect([four.ready, four.done, two.ready, two.done]).toEqual([[], null, [], null]);
    const five = taskCompleted(two.state, '5', 8);
    expect(five).toMatchObject({ ready: [], done: 'FAILED' });
    expect(five.events).toEqual([{ kind: 'task_completed', key: '5', at: 8 }, { kind: 'failed', at: 8 }]);
    expect(statuses(five.state)).toEqual({
      1: 'COMPLETED', 2: 'COMPLETED', 3: 'FAILED', 4: 'COMPLETED', 5: 'COMPLETED', 6: 'SKIPPED', 7: 'SKIPPED', 8: 'SKIPPED',
    });
    expect(progress(five.state)).toEqual({ completed: 4, total: 8, percent: 50 });
    expect(five.state.phase).toBe('FAILED');
  });

  it('a second failure skips only what is still PENDING', () => {
    const first = taskFailed(authMidway(), '3', 5);
    const second = taskFailed(first.state, '4', 6);
    expect([second.skipped, second.events]).toEqual([[], [{ kind: 'task_failed', key: '4', at: 6 }]]);
  });

  it('retry re-runs only the failed and skipped tasks', () => {
    let s = taskFailed(authMidway(), '3', 5).state;
    for (const key of ['2', '4', '5']) s = taskCompleted(s, key, 6).state;
    const retried = retryRun(s, 10);
    expect(retried.ready).toEqual(['3']);
    expect(statuses(retried.state)).toEqual({
      1: 'COMPLETED', 2: 'COMPLETED', 3: 'READY', 4: 'COMPLETED', 5: 'COMPLETED', 6: 'PENDING', 7: 'PENDING', 8: 'PENDING',
    });
    expect(remainingOf(retried.state, '7')).toBe(1);
    expect(progress(retried.state)).toEqual({ completed: 4, total: 8, percent: 50 });
    s = startAll(retried.state, ['3'], 10);
    const ran = ['3'];
    const done: (string | null)[] = [];
    for (let key: string | undefined = '3'; key; ) {
      const r = taskCompleted(s, key, 11);
      s = startAll(r.state, r.ready, 11);
      done.push(r.done);
      key = r.ready[0];
      if (key) ran.push(key);
    }
    expect(ran).toEqual(['3', '6', '7', '8']);
    expect(done).toEqual([null, null, null, 'COMPLETED']);
    expect(() => retryRun(s, 12)).toThrow(InvalidStateError);
  });
});

describe('cancel', () => {
  it('cancels the unfinished tasks and refuses every transition afterwards', () => {
    const before = authMidway();
    const c = cancelRun(before, 5);
    expect(c.cancelled).toEqual(['2', '3', '4', '5', '6', '7', '8']);
    expect(c.events).toEqual([
      ...['2', '3', '4', '5', '6', '7', '8'].map((key) => ({ kind: 'task_cancelled', key, at: 5 })),
      { kind: 'cancelled', at: 5 },
    ]);
    expect(statuses(c.state)['1']).toBe('COMPLETED');
    const refused = [
      () => taskCompleted(c.state, '2', 6), () => taskFailed(c.state, '3', 6), () => taskStarted(c.state, '6', 6),
      () => startRun(c.state, 6), () => cancelRun(c.state, 6),
    ];
    for (const write of refused) expect(write).toThrow(InvalidStateError);
    expect(() => taskCompleted(c.state, '2', 6)).toThrow('the run is CANCELLED; taskCompleted expects a run that is EXECUTING');
    expect(statuses(before)['2']).toBe('RUNNING');
  });

  it('a cancelled run can be retried: completed tasks are kept', () => {
    const retried = retryRun(cancelRun(authMidway(), 5).state, 6);
    expect(retried.ready).toEqual(['2', '3', '4', '5']);
    expect(retried.state.phase).toBe('EXECUTING');
  });
});

describe('transitions', () => {
  it('never changes the input state', () => {
    const s = authMidway();
    const snapshot = statuses(s);
    const a = taskCompleted(s, '2', 5).state;
    const b = taskFailed(s, '2', 5).state;
    cancelRun(s, 5);
    expect(statuses(s)).toEqual(snapshot);
    expect([statuses(a)['2'], statuses(b)['2'], statuses(b)['6']]).toEqual(['COMPLETED', 'FAILED', 'SKIPPED']);
    expect(remainingOf(s, '6')).toBe(2);
    expect(remainingOf(a, '6')).toBe(1);
  });

  it('refuses illegal transitions, saying what was expected', () => {
    const s = startRun(createDagState(AUTH), 0).state;
    expect(() => taskStarted(createDagState(AUTH), '1', 0)).toThrow('the run is PLANNED; taskStarted expects a run that is EXECUTING');
    expect(() => taskStarted(s, '2', 0)).toThrow('task 2 is PENDING; taskStarted expects READY');
    expect(() => taskCompleted(s, '1', 0)).toThrow('task 1 is READY; taskCompleted expects RUNNING');
    expect(() => taskFailed(s, '1', 0)).toThrow(InvalidStateError);
    expect(() => taskStarted(s, '9', 0)).toThrow(NotFoundError);
    const running = taskStarted(s, '1', 0).state;
    expect(() => taskStarted(running, '1', 0)).toThrow('task 1 is RUNNING; taskStarted expects READY');
    expect(() => startRun(s, 0)).toThrow('the run is EXECUTING; startRun expects a run that is PLANNED');
  });
});

describe('simulate', () => {
  const duration = (key: string) => AUTH_DURATIONS[key]!;

  it('auth: every task starts when its last dependency ends; makespan is the critical path', () => {
    expect(simulate(AUTH, duration)).toEqual({
      makespan: 650,
      starts: { 1: 0, 4: 0, 5: 0, 2: 100, 3: 100, 6: 400, 7: 500, 8: 600 },
      ends: { 5: 50, 1: 100, 3: 200, 2: 400, 4: 500, 6: 500, 7: 600, 8: 650 },
      order: ['1', '4', '5', '2', '3', '6', '7', '8'],
    });
    expect(criticalPath(AUTH.tasks, duration).length).toBe(650);
  });

  it('auth: the wave loop waits for the slowest task of each wave', () => {
    expect(simulateWaves(AUTH, duration)).toBe(1050);
  });

  it('a failure stops only its dependents', () => {
    const r = simulate(AUTH, duration, { fail: new Set(['3']) });
    expect(r.order).toEqual(['1', '4', '5', '2', '3']);
    expect(r.makespan).toBe(500);
  });

  it('a concurrency limit queues ready tasks in the order they became ready', () => {
    const r = simulate(AUTH, duration, { concurrency: 1 });
    expect(r.order).toEqual(['1', '4', '5', '2', '3', '6', '7', '8']);
    expect(r.starts).toEqual({ 1: 0, 4: 100, 5: 600, 2: 650, 3: 950, 6: 1050, 7: 1150, 8: 1250 });
    expect(r.makespan).toBe(1300);
  });

  it('fan-out/fan-in and the diamond', () => {
    expect(simulate(FAN, (k) => (k === '1' || k === '202' ? 1 : Number(k))).makespan).toBe(1 + 201 + 1);
    expect(simulateWaves(DIAMOND, (k) => Number(k))).toBe(1 + 3 + 4);
    expect(simulate(DIAMOND, (k) => Number(k)).starts['4']).toBe(4);
  });
});
