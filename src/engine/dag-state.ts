import { InvalidStateError, NotFoundError } from '../errors.ts';
import { transitiveDependents } from '../planning/dag.ts';
import type { ValidatedPlan } from '../planning/types.ts';
import { TASK_STATUSES, type TaskStatus, UNFINISHED_TASK } from './types.ts';

/**
 * The pure core of the scheduler: the transitions task-store.ts performs in SQL,
 * without I/O. Time comes in as `now`; every function returns a new state and
 * leaves its input untouched, so a caller can persist first and then decide.
 */

export type RunPhase = 'PLANNED' | 'EXECUTING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type RunOutcome = 'COMPLETED' | 'FAILED';
export type DagEvent =
  | { kind: 'task_ready' | 'task_started' | 'task_completed' | 'task_failed' | 'task_skipped' | 'task_cancelled'; key: string; at: number }
  | { kind: 'completed' | 'failed' | 'cancelled'; at: number };

/**
 * Task cells live in a persistent 32-way trie: a transition copies only the paths
 * it writes, so it costs O(writes · log32 n) and every earlier state stays valid.
 * A cell packs `remaining * 8 + status code`.
 */
type Node = readonly unknown[];
interface Cells { readonly root: Node; readonly shift: number }
const BITS = 5;
const MASK = 31;

export interface DagState {
  readonly plan: ValidatedPlan;
  readonly phase: RunPhase;
  /** Counters, so finishing is O(1): tasks COMPLETED, FAILED, and final in any way (SKIPPED included). */
  readonly completed: number;
  readonly failed: number;
  readonly finished: number;
  readonly graph: { readonly keys: string[]; readonly index: Map<string, number>; readonly deps: number[][]; readonly dependents: number[][] };
  readonly cells: Cells;
}

const CODE = new Map(TASK_STATUSES.map((s, i) => [s, i]));
const pack = (status: TaskStatus, remaining: number) => remaining * 8 + CODE.get(status)!;
const statusAt = (cells: Cells, i: number): TaskStatus => TASK_STATUSES[readCell(cells, i) % 8]!;
const remainingAt = (cells: Cells, i: number) => Math.floor(readCell(cells, i) / 8);

function buildCells(values: number[]): Cells {
  const chunk = (xs: unknown[]) => Array.from({ length: Math.max(1, Math.ceil(xs.length / 32)) }, (_, i) => xs.slice(i * 32, i * 32 + 32));
  let level = chunk(values);
  let shift = 0;
  for (; level.length > 1; shift += BITS) level = chunk(level);
  return { root: level[0]!, shift };
}

function readCell(cells: Cells, i: number): number {
  let node = cells.root;
  for (let s = cells.shift; s > 0; s -= BITS) node = node[(i >>> s) & MASK] as Node;
  return node[i & MASK] as number;
}

/** Copies the path to cell i (log32 n nodes of 32 slots); the input trie is never touched. */
function writeCell(cells: Cells, i: number, status: TaskStatus, remaining: number): Cells {
  const write = (node: Node, s: number): Node => {
    const copy = node.slice();
    copy[(i >>> s) & MASK] = s === 0 ? pack(status, remaining) : write(node[(i >>> s) & MASK] as Node, s - BITS);
    return copy;
  };
  return { root: write(cells.root, cells.shift), shift: cells.shift };
}

export function createDagState(plan: ValidatedPlan): DagState {
  const keys = plan.tasks.map((t) => t.key);
  const index = new Map(keys.map((k, i) => [k, i]));
  const deps = plan.tasks.map((t) => t.dependsOn.map((k) => index.get(k)!));
  const dependents = keys.map((k) => plan.dependents[k]!.map((d) => index.get(d)!));
  const cells = buildCells(deps.map((d) => pack('PENDING', d.length)));
  return { plan, phase: 'PLANNED', completed: 0, failed: 0, finished: 0, graph: { keys, index, deps, dependents }, cells };
}

export const statusOf = (state: DagState, key: string): TaskStatus => statusAt(state.cells, indexOf(state, key));
export const remainingOf = (state: DagState, key: string): number => remainingAt(state.cells, indexOf(state, key));
/** Every task's status, in plan order. O(tasks): for tests and snapshots, not for the hot path. */
export const statuses = (state: DagState): Record<string, TaskStatus> =>
  Object.fromEntries(state.graph.keys.map((k, i) => [k, statusAt(state.cells, i)]));

export function progress(state: DagState) {
  const total = state.graph.keys.length;
  return { completed: state.completed, total, percent: total === 0 ? 0 : Math.round((state.completed / total) * 1000) / 10 };
}

function indexOf(state: DagState, key: string): number {
  const i = state.graph.index.get(key);
  if (i === undefined) throw new NotFoundError('task', key);
  return i;
}

function requirePhase(state: DagState, allowed: RunPhase[], action: string): void {
  if (!allowed.includes(state.phase)) {
    throw new InvalidStateError(`the run is ${state.phase}; ${action} expects a run that is ${allowed.join(' or ')}`, { phase: state.phase });
  }
}

/** Checks the run and the task, then returns the task's index. */
function requireTask(state: DagState, key: string, from: TaskStatus, action: string): number {
  requirePhase(state, ['EXECUTING'], action);
  const i = indexOf(state, key);
  const status = statusAt(state.cells, i);
  if (status !== from) throw new InvalidStateError(`task ${key} is ${status}; ${action} expects ${from}`, { key, status });
  return i;
}

/** Ends the run when every task is final; the run event comes after the task events. */
function settle(state: DagState, cells: Cells, counts: Pick<DagState, 'completed' | 'failed' | 'finished'>, events: DagEvent[], now: number) {
  const done: RunOutcome | null = counts.finished < state.graph.keys.length ? null : counts.failed === 0 ? 'COMPLETED' : 'FAILED';
  if (done) events.push({ kind: done === 'COMPLETED' ? 'completed' : 'failed', at: now });
  return { state: { ...state, ...counts, cells, phase: done ?? 'EXECUTING' } as DagState, events, done };
}

/** Rewrites every cell; for the O(tasks) run-level transitions only. */
const rebuild = (state: DagState, next: (status: TaskStatus, remaining: number, i: number) => [TaskStatus, number]): Cells =>
  buildCells(state.graph.keys.map((_, i) => pack(...next(statusAt(state.cells, i), remainingAt(state.cells, i), i))));

/** PLANNED -> EXECUTING; tasks without dependencies become READY, in plan order. */
export function startRun(state: DagState, now: number) {
  requirePhase(state, ['PLANNED'], 'startRun');
  const ready = state.graph.keys.filter((_, i) => state.graph.deps[i]!.length === 0);
  const cells = rebuild(state, (status, remaining) => [remaining === 0 ? 'READY' : status, remaining]);
  const events: DagEvent[] = ready.map((key) => ({ kind: 'task_ready', key, at: now }));
  return { state: { ...state, phase: 'EXECUTING', cells } as DagState, ready, events };
}

export function taskStarted(state: DagState, key: string, now: number) {
  const i = requireTask(state, key, 'READY', 'taskStarted');
  const events: DagEvent[] = [{ kind: 'task_started', key, at: now }];
  return { state: { ...state, cells: writeCell(state.cells, i, 'RUNNING', 0) } as DagState, events };
}

/** RUNNING -> COMPLETED. Touches only direct dependents: those whose count reaches zero become READY, in plan order. */
export function taskCompleted(state: DagState, key: string, now: number) {
  const i = requireTask(state, key, 'RUNNING', 'taskCompleted');
  const { keys, dependents } = state.graph;
  let cells = writeCell(state.cells, i, 'COMPLETED', 0);
  const ready: string[] = [];
  const events: DagEvent[] = [{ kind: 'task_completed', key, at: now }];
  for (const j of dependents[i]!) {
    const remaining = remainingAt(cells, j) - 1;
    // A SKIPPED dependent keeps its status; only a PENDING one can become READY.
    const becomesReady = remaining === 0 && statusAt(cells, j) === 'PENDING';
    cells = writeCell(cells, j, becomesReady ? 'READY' : statusAt(cells, j), remaining);
    if (becomesReady) {
      ready.push(keys[j]!);
      events.push({ kind: 'task_ready', key: keys[j]!, at: now });
    }
  }
  const counts = { completed: state.completed + 1, failed: state.failed, finished: state.finished + 1 };
  return { ...settle(state, cells, counts, events, now), ready };
}

/** RUNNING -> FAILED; its PENDING transitive dependents -> SKIPPED. Independent branches go on. */
export function taskFailed(state: DagState, key: string, now: number) {
  const i = requireTask(state, key, 'RUNNING', 'taskFailed');
  const { keys, index } = state.graph;
  let cells = writeCell(state.cells, i, 'FAILED', 0);
  const skippedAt = transitiveDependents(state.plan.dependents, key)
    .map((k) => index.get(k)!)
    .filter((j) => statusAt(cells, j) === 'PENDING')
    .sort((a, b) => a - b);
  for (const j of skippedAt) cells = writeCell(cells, j, 'SKIPPED', remainingAt(cells, j));
  const skipped = skippedAt.map((j) => keys[j]!);
  const events: DagEvent[] = [{ kind: 'task_failed', key, at: now }, ...skipped.map((k): DagEvent => ({ kind: 'task_skipped', key: k, at: now }))];
  const counts = { completed: state.completed, failed: state.failed + 1, finished: state.finished + 1 + skipped.length };
  return { ...settle(state, cells, counts, events, now), skipped };
}

/** Unfinished tasks -> CANCELLED. Afterwards every transition is refused until retryRun: nothing writes after cancel. */
export function cancelRun(state: DagState, now: number) {
  requirePhase(state, ['PLANNED', 'EXECUTING'], 'cancelRun');
  const unfinished = (status: TaskStatus) => UNFINISHED_TASK.includes(status);
  const cancelled = state.graph.keys.filter((_, i) => unfinished(statusAt(state.cells, i)));
  const cells = rebuild(state, (status, remaining) => [unfinished(status) ? 'CANCELLED' : status, remaining]);
  const events: DagEvent[] = [...cancelled.map((key): DagEvent => ({ kind: 'task_cancelled', key, at: now })), { kind: 'cancelled', at: now }];
  return { state: { ...state, phase: 'CANCELLED', cells } as DagState, cancelled, events };
}

/** FAILED or CANCELLED -> EXECUTING again. COMPLETED tasks are kept; every other task waits on its unfinished dependencies. */
export function retryRun(state: DagState, _now: number) {
  requirePhase(state, ['FAILED', 'CANCELLED'], 'retryRun');
  const { keys, deps } = state.graph;
  const done = keys.map((_, i) => statusAt(state.cells, i) === 'COMPLETED');
  const remaining = deps.map((ds) => ds.filter((d) => !done[d]).length);
  const cells = rebuild(state, (status, _r, i) => (done[i] ? [status, 0] : [remaining[i] === 0 ? 'READY' : 'PENDING', remaining[i]!]));
  const ready = keys.filter((_, i) => !done[i] && remaining[i] === 0);
  const completed = done.filter(Boolean).length;
  return { state: { ...state, phase: 'EXECUTING', completed, failed: 0, finished: completed, cells } as DagState, ready };
}

function checkedDuration(duration: (key: string) => number, key: string): number {
  const d = duration(key);
  if (!Number.isFinite(d) || d < 0) throw new RangeError(`duration of task ${key} must be a finite number >= 0, got ${d}`);
  return d;
}

/**
 * Discrete-event simulation of the event-driven runner: a task starts as soon as it is
 * READY and a slot is free (unlimited by default). Tasks finishing at the same time are
 * handled in the order they started. `order` is the start order; tasks in `fail` fail at their end.
 */
export function simulate(plan: ValidatedPlan, duration: (key: string) => number, opts: { fail?: ReadonlySet<string>; concurrency?: number } = {}) {
  const limit = opts.concurrency ?? Infinity;
  if (!(limit >= 1)) throw new RangeError(`concurrency must be at least 1, got ${limit}`);
  const starts: Record<string, number> = {};
  const ends: Record<string, number> = {};
  const order: string[] = [];
  const queue: string[] = [];
  let head = 0;
  // Sorted latest first, so pop() yields the next task to end; ties end in start order.
  const running: { end: number; seq: number; key: string }[] = [];
  const later = (a: (typeof running)[0], b: (typeof running)[0]) => a.end > b.end || (a.end === b.end && a.seq > b.seq);
  const launch = (now: number, ready: string[]) => {
    for (const key of ready) queue.push(key);
    for (; running.length < limit && head < queue.length; head++) {
      const key = queue[head]!;
      state = taskStarted(state, key, now).state;
      starts[key] = now;
      const task = { end: now + checkedDuration(duration, key), seq: order.push(key), key };
      let lo = 0;
      for (let hi = running.length; lo < hi; ) {
        const mid = (lo + hi) >> 1;
        if (later(running[mid]!, task)) lo = mid + 1;
        else hi = mid;
      }
      running.splice(lo, 0, task);
    }
  };
  const first = startRun(createDagState(plan), 0);
  let state = first.state;
  let makespan = 0;
  launch(0, first.ready);
  while (running.length > 0) {
    const { end, key } = running.pop()!;
    ends[key] = end;
    makespan = Math.max(makespan, end);
    const step = opts.fail?.has(key) ? { ...taskFailed(state, key, end), ready: [] } : taskCompleted(state, key, end);
    state = step.state;
    launch(end, step.ready);
  }
  return { makespan, starts, ends, order };
}

/** Makespan of RezNet's wave loop: start every READY task together, wait for all of them, repeat. */
export function simulateWaves(plan: ValidatedPlan, duration: (key: string) => number): number {
  let { state, ready } = startRun(createDagState(plan), 0);
  let now = 0;
  while (ready.length > 0) {
    const wave = ready;
    ready = [];
    for (const key of wave) state = taskStarted(state, key, now).state;
    now += wave.reduce((max, key) => Math.max(max, checkedDuration(duration, key)), 0);
    for (const key of wave) {
      const r = taskCompleted(state, key, now);
      state = r.state;
      for (const k of r.ready) ready.push(k);
    }
  }
  return now;
}
