import { normalizeAgentName } from '../agents/name.ts';
import { PlanInvalidError, clipInput } from '../errors.ts';
import type { PlannedTask, ValidatedPlan } from './types.ts';

export interface ValidatePlanOptions {
  /** Agent names that may run tasks, with or without "@", any case. */
  agents: ReadonlySet<string>;
  maxTasks?: number;
}

/** Manually created workflows may name tasks; parsed plans use "1".."N". */
const KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const KEY_RULE = 'a positive integer without leading zeros, or 1-64 characters of A-Z a-z 0-9 _ . -';

function isValidKey(key: unknown): key is string {
  if (typeof key !== 'string' || !KEY.test(key)) return false;
  return !/^\d+$/.test(key) || /^[1-9]\d*$/.test(key);
}

function taskError(task: PlannedTask, problem: string): PlanInvalidError {
  const at = task.line === undefined ? '' : ` (line ${task.line})`;
  const details = task.line === undefined ? { taskKey: task.key } : { taskKey: task.key, line: task.line };
  return new PlanInvalidError(`task ${task.key}${at} ${problem}`, details);
}

/**
 * Checks a plan and derives its graph. Checks run task by task in plan order,
 * so the first problem in the plan is the one reported; cycles are looked for last.
 */
export function validatePlan(tasks: PlannedTask[], opts: ValidatePlanOptions): ValidatedPlan {
  if (tasks.length === 0) throw new PlanInvalidError('the plan has no tasks');
  if (opts.maxTasks !== undefined && tasks.length > opts.maxTasks) {
    throw new PlanInvalidError(`the plan has ${tasks.length} tasks; at most ${opts.maxTasks} are allowed`);
  }
  const normalised = tasks.map((t) => ({ ...t, agent: normalizeAgentName(t.agent), dependsOn: [...new Set(t.dependsOn)] }));
  const index = indexKeys(normalised);
  checkTasks(normalised, index, new Set([...opts.agents].map(normalizeAgentName)));
  const deps = normalised.map((t) => t.dependsOn.map((k) => index.get(k)!));
  const { order, dependents } = kahn(deps);
  if (order.length < normalised.length) throw cycleError(normalised, deps, order);
  return {
    tasks: normalised,
    dependents: Object.fromEntries(normalised.map((t, i) => [t.key, dependents[i]!.map((d) => normalised[d]!.key)])),
    topoOrder: order.map((i) => normalised[i]!.key),
  };
}

function indexKeys(tasks: PlannedTask[]): Map<string, number> {
  const index = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (!isValidKey(t.key)) {
      const at = t.line === undefined ? '' : ` (line ${t.line})`;
      throw new PlanInvalidError(`task key ${JSON.stringify(clipInput(String(t.key)))}${at} is invalid; expected ${KEY_RULE}`, {
        taskKey: clipInput(String(t.key)),
        ...(t.line !== undefined && { line: t.line }),
      });
    }
    const first = index.get(t.key);
    if (first !== undefined) {
      const where = tasks[first]!.line === undefined ? `position ${first + 1} in the plan` : `line ${tasks[first]!.line}`;
      throw taskError(t, `is defined twice (first at ${where})`);
    }
    index.set(t.key, i);
  });
  return index;
}

function checkTasks(tasks: PlannedTask[], index: Map<string, number>, agents: Set<string>): void {
  const known =
    agents.size === 0
      ? 'none'
      : [...agents]
          .sort()
          .map((a) => `@${a}`)
          .join(', ');
  for (const t of tasks) {
    if (!t.agent) throw taskError(t, `has no agent; known agents: ${known}`);
    if (!agents.has(t.agent)) throw taskError(t, `has unknown agent @${clipInput(t.agent)}; known agents: ${known}`);
    if (typeof t.description !== 'string' || !t.description.trim()) throw taskError(t, 'has an empty description');
    for (const dep of t.dependsOn) {
      if (dep === t.key) throw taskError(t, `depends on itself (cycle: ${dep} -> ${dep})`);
      if (!index.has(dep)) throw taskError(t, `depends on task ${clipInput(dep)}, which does not exist`);
    }
  }
}

/**
 * Kahn's algorithm over plan indexes. Ready tasks are taken first in, first out;
 * tasks that become ready together are queued in plan order, so the initial
 * queue is the dependency-free tasks in plan order. O(tasks + edges).
 */
function kahn(deps: number[][]): { order: number[]; dependents: number[][] } {
  const dependents: number[][] = deps.map(() => []);
  deps.forEach((ds, i) => ds.forEach((d) => dependents[d]!.push(i)));
  const waiting = deps.map((ds) => ds.length);
  const order = waiting.flatMap((w, i) => (w === 0 ? [i] : []));
  for (let head = 0; head < order.length; head++) {
    for (const next of dependents[order[head]!]!) {
      if (--waiting[next]! === 0) order.push(next);
    }
  }
  return { order, dependents };
}

/**
 * Every task Kahn left behind waits on another left-behind task, so following
 * first dependencies from any of them must revisit a task: that loop is a cycle.
 * Reported from its task earliest in the plan, as "a -> b" meaning a depends on b.
 */
function cycleError(tasks: PlannedTask[], deps: number[][], order: number[]): PlanInvalidError {
  const done = new Set(order);
  const stuck = (i: number) => !done.has(i);
  const seenAt = new Map<number, number>();
  const walk: number[] = [];
  let at = tasks.findIndex((_, i) => stuck(i));
  while (!seenAt.has(at)) {
    seenAt.set(at, walk.length);
    walk.push(at);
    at = deps[at]!.find(stuck)!;
  }
  const loop = walk.slice(seenAt.get(at));
  const start = loop.reduce((s, i, pos) => (i < loop[s]! ? pos : s), 0);
  const path = [...loop.slice(start), ...loop.slice(0, start), loop[start]!].map((i) => tasks[i]!.key);
  return taskError(tasks[loop[start]!]!, `is in a dependency cycle: ${path.join(' -> ')} (each task depends on the next)`);
}

/**
 * The longest chain by summed duration. Expects a validated plan; dependencies on
 * unknown keys are ignored. Equal lengths prefer the chain with more tasks, then
 * the dependency written first, then the task earliest in the plan.
 */
export function criticalPath(tasks: PlannedTask[], duration: (key: string) => number): { length: number; path: string[] } {
  const index = new Map(tasks.map((t, i) => [t.key, i]));
  const deps = tasks.map((t, i) => t.dependsOn.map((k) => index.get(k)).filter((d): d is number => d !== undefined && d !== i));
  const { order } = kahn(deps);
  if (order.length < tasks.length) throw cycleError(tasks, deps, order);
  const finish: number[] = new Array(tasks.length).fill(0);
  const count: number[] = new Array(tasks.length).fill(0);
  const prev: number[] = new Array(tasks.length).fill(-1);
  const better = (a: number, b: number) => b < 0 || finish[a]! > finish[b]! || (finish[a] === finish[b] && count[a]! > count[b]!);
  for (const i of order) {
    const d = duration(tasks[i]!.key);
    if (!Number.isFinite(d) || d < 0) {
      throw new RangeError(`duration of task ${tasks[i]!.key} must be a finite number >= 0, got ${d}`);
    }
    const best = deps[i]!.reduce((b, dep) => (better(dep, b) ? dep : b), -1);
    finish[i] = d + (best < 0 ? 0 : finish[best]!);
    count[i] = 1 + (best < 0 ? 0 : count[best]!);
    prev[i] = best;
  }
  let end = -1;
  for (let i = 0; i < tasks.length; i++) if (better(i, end)) end = i;
  const path: string[] = [];
  for (let i = end; i >= 0; i = prev[i]!) path.push(tasks[i]!.key);
  return { length: end < 0 ? 0 : finish[end]!, path: path.reverse() };
}

/** Everything downstream of `key`, breadth-first in discovery order, without `key` itself. */
export function transitiveDependents(dependents: Record<string, string[]>, key: string): string[] {
  const seen = new Set([key]);
  const found: string[] = [];
  for (let i = -1; i < found.length; i++) {
    const from = i < 0 ? key : found[i]!;
    for (const next of Object.hasOwn(dependents, from) ? dependents[from]! : []) {
      if (!seen.has(next)) {
        seen.add(next);
        found.push(next);
      }
    }
  }
  return found;
}
