import type { Logger } from '../logger.ts';
import type { Dispatcher, PlanHandler, TaskHandler } from './dispatcher.ts';
import { createSlots, type SlotLimits } from './slots.ts';
import type { RunStore } from './store/index.ts';
import type { Continuation } from './store/run-store.ts';
import type { Committed } from './store/transition.ts';
import type { Clock, ContinuedTask, ReadyTask } from './types.ts';

export interface SchedulerDeps {
  store: RunStore;
  dispatcher: Dispatcher;
  /** How many tasks this process runs at once, in all and per agent. */
  limits: SlotLimits;
  clock: Clock;
  logger: Logger;
  /** Publishes committed events (after the commit). */
  publish: (c: Committed<unknown>) => Promise<void>;
  /** With a shared queue: how often a worker re-queues READY tasks that have no job (0 = never). */
  reconcileMs?: number;
  /** With a shared queue: RUNNING tasks are re-queued only once claimed this long ago (see EngineDeps). */
  runningStaleMs?: number;
}

/** What the scheduler runs: a queued task, and a dependent claimed into a reserved slot. */
export interface Runs {
  run: TaskHandler;
  continued: (k: ContinuedTask, signal: AbortSignal) => Promise<void>;
}

/**
 * Starts work; never decides it. The store's transitions decide what may run and return it; this
 * hands it to the dispatcher's queue, runs what a completion claimed into this process's slots
 * (continuation: the dependent starts without a trip through the queue), queues a start's first
 * tasks before its commit where the queue is shared, and re-queues what a dead process left.
 * The runner executes and calls back into the store; it never picks what runs next.
 *
 * It owns the process's slots (slots.ts): the queue's runs take them, and a completion reserves
 * them for the dependents it continues here.
 */
export function createScheduler(d: SchedulerDeps, runs: () => Runs) {
  const dispatch = (ready: ReadyTask[]) => (ready.length ? d.dispatcher.enqueue(ready) : Promise.resolve());
  const slots = createSlots(d.limits);
  /**
   * A dependent a completion claims runs in a slot reserved for it, from the moment its claim is
   * written; the dispatcher tracks the run, and the slot is given back when it ends.
   */
  const continuation: Continuation = {
    slots,
    run: (k) => void d.dispatcher.runClaimed(k.ready, (signal) => runs().continued(k, signal)).finally(() => slots.release(k.ready.agent)),
  };
  const timers: NodeJS.Timeout[] = [];

  async function recover() {
    const pending = await d.store.unfinished(d.runningStaleMs === undefined ? {} : { runningBefore: d.clock.now() - d.runningStaleMs });
    if (pending.length > 0) d.logger.debug({ tasks: pending.length }, 're-queueing unfinished tasks');
    const planning = (await d.store.planningWorkflows()).map((w) => w.id);
    await Promise.all([dispatch(pending), d.dispatcher.enqueuePlans(planning)]);
    return pending.length;
  }

  return {
    dispatch,
    continuation,
    async start(id: string) {
      // With a shared queue the first tasks are queued while the start commits (their claims wait
      // for it); the events are published only after the commit. Neither waits for the other.
      let queued: Promise<void> | undefined;
      const c = await d.store.start(id, d.dispatcher.capabilities.sharedQueue ? (ready) => void (queued = dispatch(ready)) : undefined);
      // Queued early, or now (again, if queueing early failed: its error is the caller's if this fails too).
      await Promise.all([queued ? queued.catch(() => dispatch(c.value)) : dispatch(c.value), d.publish(c)]);
    },
    async retry(id: string) {
      const c = await d.store.retry(id);
      await Promise.all([dispatch(c.value), d.publish(c)]);
    },
    /** A committed transition that made tasks runnable (a decision, an edit, a resume): they are queued, its events published. */
    async queued(c: Committed<ReadyTask[]>) {
      await Promise.all([dispatch(c.value), d.publish(c)]);
    },
    /**
     * READY and RUNNING tasks of EXECUTING workflows go back on the queue; completed ones never run
     * again. Workflows still PLANNING are queued for planning: a plan job already waiting or running
     * (anywhere) is not duplicated, and a second planner could not commit a plan anyway.
     */
    recover,
    /** Worker role: run queued tasks and plans, and re-queue what a dead process left unfinished. */
    async startWorking(plan: PlanHandler) {
      // Open before the queue starts: its first runs may complete tasks and continue their dependents.
      slots.open();
      await d.dispatcher.startWorking(runs().run, plan, slots);
      await recover();
      // An API process that dies between committing a start (or retry) and queueing its first tasks
      // leaves READY tasks with no job; with a shared queue, any worker re-queues them (job id = task id).
      // Tasks too freshly RUNNING to re-queue now are looked at again once they are not.
      if (d.runningStaleMs !== undefined) timers.push(setTimeout(() => recover().catch((err) => d.logger.warn({ err: String(err) }, 'recovery failed')), d.runningStaleMs));
      if (d.dispatcher.capabilities.sharedQueue && d.reconcileMs) {
        timers.push(setInterval(() => recover().catch((err) => d.logger.warn({ err: String(err) }, 'reconcile failed')), d.reconcileMs));
      }
      timers.forEach((t) => t.unref());
    },
    async stop(graceMs: number) {
      timers.forEach((t) => clearTimeout(t));
      slots.close();
      await d.dispatcher.stop(graceMs);
    },
  };
}
