import { NO_USAGE } from './budget.ts';
import type { ValidatedPlan } from '../../planning/types.ts';
import { type ClaimedTask, type ReadyTask, type TaskStatus, UNFINISHED_TASK, type WorkflowResults } from '../types.ts';
import * as decide from './decide.ts';
import { RUN_EVERYTHING } from './policy.ts';
import { type EnginePolicy, isAdd, type TaskRow, type WorkflowPatch, type WorkflowRow } from './types.ts';

interface Cell extends TaskRow {
  remaining: number;
  attempts: number;
}

/**
 * A run stepped through in memory with the core's decisions alone: what a store must agree with
 * (the differential test holds every adapter to it), and a way to see a policy's effect without
 * a database. It keeps what the store's statements keep (statuses, the countdown, attempts) and
 * nothing else: the decisions are the ones the adapters call.
 */
export function stepThrough(plan: ValidatedPlan, policy: EnginePolicy = RUN_EVERYTHING) {
  const cells = new Map<string, Cell>(
    plan.tasks.map((t, i) => [
      t.key,
      {
        id: t.key,
        key: t.key,
        agent: t.agent,
        orderIndex: i,
        status: 'PENDING',
        dependsOn: t.dependsOn,
        dependents: plan.dependents[t.key] ?? [],
        remaining: t.dependsOn.length,
        attempts: 0,
      },
    ]),
  );
  const wf: WorkflowRow = {
    id: 'run',
    tenant: 't',
    status: 'PLANNED',
    description: '',
    lastSeq: 0,
    totalTasks: plan.tasks.length,
    completedTasks: 0,
    finishedTasks: 0,
    failedTasks: 0,
    startedAt: null,
    createdAt: 0,
    budget: null,
    budgetState: 0,
    usage: { ...NO_USAGE },
  };
  const events: string[] = ['created', 'plan_ready'];
  let now = 0;
  const cell = (key: string) => cells.get(key)!;
  const ready = (c: Cell): ReadyTask => ({ taskId: c.id, workflowId: wf.id, key: c.key, agent: c.agent, orderIndex: c.orderIndex });
  const claimedTask = (c: Cell): ClaimedTask => ({
    taskId: c.id,
    workflowId: wf.id,
    tenant: wf.tenant,
    key: c.key,
    agent: c.agent,
    description: '',
    request: '',
    dependsOn: c.dependsOn,
    attempt: c.attempts,
    lease: 'l',
  });
  const results = (): WorkflowResults => ({
    tasks: [...cells.values()].map((c) => ({ key: c.key, agent: c.agent, description: '', status: c.status, output: null, error: null, durationMs: null, attempts: c.attempts })),
    totals: { durationMs: null, tasks: cells.size, completed: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0, byAgent: [], byModel: [] },
  });
  function apply(d: { events: Array<{ kind: string }>; patch: WorkflowPatch; ends?: 'COMPLETED' | 'FAILED' | null }) {
    events.push(...d.events.map((e) => e.kind));
    for (const [k, v] of Object.entries(d.patch)) if (!isAdd(v) && k in wf) (wf as unknown as Record<string, unknown>)[k] = v;
    if (d.ends) apply(decide.finished(d.ends, results(), null, now));
  }
  const set = (key: string, status: TaskStatus) => (cell(key).status = status);

  return {
    wf,
    events,
    status: (key: string) => cell(key).status,
    statuses: () => Object.fromEntries([...cells.values()].map((c) => [c.key, c.status])),
    start() {
      now++;
      const d = decide.start(wf, [...cells.values()].filter((c) => c.status === 'PENDING' && c.remaining === 0).map(ready), now, policy);
      d.ready.forEach((r) => set(r.key, 'READY'));
      d.awaiting.forEach((r) => set(r.key, 'AWAITING_APPROVAL'));
      apply(d);
      return d;
    },
    /** READY or RUNNING tasks -> RUNNING (a new attempt each), if the run is EXECUTING. */
    claim(keys: string[]) {
      if (!decide.claimable(wf)) return [];
      const got = keys.map(cell).filter((c) => c.status === 'READY' || c.status === 'RUNNING');
      for (const c of got) {
        c.status = 'RUNNING';
        c.attempts++;
      }
      apply({ events: decide.claimed(got.map(claimedTask)), patch: {} });
      return got.map((c) => c.key);
    },
    /** RUNNING tasks -> COMPLETED; of the dependents they made runnable, the first `room` are claimed (as a completion claims into free slots). */
    complete(keys: string[], room: number) {
      if (!decide.claimable(wf)) return;
      const done = keys.map(cell).filter((c) => c.status === 'RUNNING');
      const runnable: ReadyTask[] = [];
      for (const c of done) {
        c.status = 'COMPLETED';
        for (const k of c.dependents) {
          const dep = cell(k);
          dep.remaining--;
          if (dep.remaining === 0 && dep.status === 'PENDING') runnable.push(ready(dep));
        }
      }
      const d = decide.complete(
        wf,
        done.map((c) => ({ taskId: c.id, key: c.key, agent: c.agent, output: 'x', durationMs: 0, usage: { input: 0, output: 0 } })),
        runnable,
        policy,
      );
      const claimed = d.ready.slice(0, room).map((r) => cell(r.key));
      d.ready.slice(room).forEach((r) => set(r.key, 'READY'));
      d.awaiting.forEach((r) => set(r.key, 'AWAITING_APPROVAL'));
      for (const c of claimed) {
        c.status = 'RUNNING';
        c.attempts++;
      }
      now++;
      apply({ ...d, events: [...d.events, ...decide.claimed(claimed.map(claimedTask))] });
    },
    retrying(key: string) {
      const c = cell(key);
      if (c.status !== 'RUNNING') return;
      c.attempts++;
      apply({ events: [decide.retrying(claimedTask(c), 'e', 1)], patch: {} });
    },
    fail(key: string) {
      const c = cell(key);
      if (!decide.claimable(wf) || c.status !== 'RUNNING') return;
      c.status = 'FAILED';
      const d = decide.fail(wf, claimedTask(c), 'e', [...cells.values()]);
      d.skipped.forEach((r) => set(r.key, 'SKIPPED'));
      now++;
      apply(d);
    },
    cancel() {
      now++;
      const d = decide.cancel(
        wf,
        [...cells.values()].filter((c) => UNFINISHED_TASK.includes(c.status)),
        null,
        now,
      );
      d.cancelled.forEach((key) => set(key, 'CANCELLED'));
      apply(d);
    },
    retry() {
      const d = decide.retry(wf, [...cells.values()], policy);
      for (const r of d.resets) Object.assign(cell(r.id), { status: r.status, remaining: r.remaining, attempts: 0 });
      apply(d);
      return d;
    },
  };
}
