import type { Logger } from '../logger.ts';
import { CancelledSignal, type Dispatcher, type PlanHandler, type QueueSlots, ShutdownSignal, type TaskHandler } from './dispatcher.ts';
import type { ReadyTask } from './types.ts';

interface Queued {
  task: ReadyTask;
  rank: number;
}

/**
 * In-process queue. Waiting tasks start, as the process's slots allow (in all and per agent, see
 * slots.ts), in plan order: earlier workflows first, then by the task's place in its plan. A pick
 * costs O(agents); an enqueue O(log n) plus the insertion.
 */
export function createLocalDispatcher(opts: { logger: Logger }): Dispatcher & { readonly liveWorkflows: number } {
  const waiting = new Map<string, Queued[]>(); // agent -> sorted queue
  const known = new Set<string>(); // queued or running task ids
  const running = new Map<string, { task: ReadyTask; ctrl: AbortController; done: Promise<void> }>();
  /** Tasks queued again while a stopped run of theirs still unwinds (a budget's pause gives them back READY): queued once it ends. */
  const again = new Map<string, ReadyTask>();
  /**
   * Each workflow's rank (the order its first task was queued in) while it has tasks queued or
   * running here; forgotten when it has none, so the map holds live workflows only.
   */
  const workflows = new Map<string, { rank: number; tasks: number }>();
  let nextRank = 0;
  const track = (t: ReadyTask) => {
    const w = workflows.get(t.workflowId);
    if (w) w.tasks++;
    else workflows.set(t.workflowId, { rank: nextRank++, tasks: 1 });
  };
  const untrack = (t: ReadyTask) => {
    const w = workflows.get(t.workflowId);
    if (w && --w.tasks === 0) workflows.delete(t.workflowId);
  };
  let handler: TaskHandler | undefined;
  let slots: QueueSlots | undefined;
  let planHandler: PlanHandler | undefined;
  let stopping = false;
  /** Plans run at once, outside the task limits (one model call each); queued until startWorking. */
  const plans = new Map<string, { ctrl: AbortController; done: Promise<void> } | null>();

  function launchPlans() {
    const h = planHandler;
    if (!h || stopping) return;
    for (const [workflowId, run] of plans) {
      if (run) continue;
      const ctrl = new AbortController();
      const done = h(workflowId, ctrl.signal)
        .catch((err) => opts.logger.error({ error: String((err as Error)?.message ?? err), workflowId }, 'planning handler failed'))
        .finally(() => plans.delete(workflowId));
      plans.set(workflowId, { ctrl, done });
    }
  }

  const rankOf = (t: ReadyTask) => workflows.get(t.workflowId)!.rank * 1e6 + t.orderIndex;

  function insert(q: Queued[], item: Queued) {
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (q[mid]!.rank <= item.rank) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, item);
  }

  function nextRunnable(slots: QueueSlots): Queued | undefined {
    let best: Queued[] | undefined;
    for (const [agent, q] of waiting) {
      if (q.length === 0 || !slots.room(agent)) continue;
      if (!best || q[0]!.rank < best[0]!.rank) best = q;
    }
    return best?.shift();
  }

  function pump() {
    while (handler && slots && !stopping && slots.room()) {
      const next = nextRunnable(slots);
      if (!next) return;
      const { task } = next;
      slots.take(task.agent);
      const h = handler;
      launch(task, (signal) => h(task, signal), slots);
    }
  }

  /**
   * Runs a task whose slot is already taken, and gives it back to `owner` when it ends (which starts
   * the next, through onFree); without one, the caller gives it back. Resolves then; never rejects.
   */
  function launch(task: ReadyTask, run: (signal: AbortSignal) => Promise<void>, owner?: QueueSlots) {
    const ctrl = new AbortController();
    const done = run(ctrl.signal)
      .catch((err) => opts.logger.error({ err, taskId: task.taskId }, 'task handler failed'))
      .finally(() => {
        running.delete(task.taskId);
        known.delete(task.taskId);
        untrack(task);
        owner?.release(task.agent);
        const next = again.get(task.taskId);
        again.delete(task.taskId);
        if (next) void this_.enqueue([next]);
      });
    running.set(task.taskId, { task, ctrl, done });
    return done;
  }

  const this_: Dispatcher & { readonly liveWorkflows: number } = {
    capabilities: { sharedQueue: false },
    async enqueue(tasks) {
      for (const task of tasks) {
        if (running.get(task.taskId)?.ctrl.signal.aborted) again.set(task.taskId, task);
        if (known.has(task.taskId)) continue;
        known.add(task.taskId);
        track(task);
        let q = waiting.get(task.agent);
        if (!q) waiting.set(task.agent, (q = []));
        insert(q, { task, rank: rankOf(task) });
      }
      pump();
    },
    async enqueuePlans(workflowIds) {
      for (const id of workflowIds) if (!plans.has(id)) plans.set(id, null);
      launchPlans();
    },
    async startWorking(h, p, s) {
      handler = h;
      planHandler = p;
      slots = s;
      s.onFree(pump);
      pump();
      launchPlans();
    },
    runClaimed(task, run) {
      if (!known.has(task.taskId)) track(task);
      known.add(task.taskId);
      return launch(task, run);
    },
    abortWorkflow(workflowId) {
      for (const [agent, q] of waiting) {
        const keep = q.filter((x) => x.task.workflowId !== workflowId);
        q.filter((x) => x.task.workflowId === workflowId).forEach((x) => {
          known.delete(x.task.taskId);
          untrack(x.task);
        });
        waiting.set(agent, keep);
      }
      for (const r of running.values()) if (r.task.workflowId === workflowId) r.ctrl.abort(new CancelledSignal(workflowId));
      plans.get(workflowId)?.ctrl.abort(new CancelledSignal(workflowId));
    },
    /** Workflows with tasks queued or running here (their ranks are kept while they have any). */
    get liveWorkflows() {
      return workflows.size;
    },
    async counts() {
      let waitingTasks = 0;
      for (const q of waiting.values()) waitingTasks += q.length;
      return { waiting: waitingTasks, active: running.size };
    },
    async stop(graceMs) {
      stopping = true;
      const runs = () => [...running.values(), ...[...plans.values()].filter((p) => p !== null)];
      const all = () => Promise.all(runs().map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([all(), grace]);
      clearTimeout(timer);
      for (const r of runs()) r.ctrl.abort(new ShutdownSignal());
      await all();
    },
  };
  return this_;
}
