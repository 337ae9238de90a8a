import type { AgentStore } from '../agents/agent-store.ts';
import type { ModelFactory } from '../agents/model-factory.ts';
import type { RetryPolicy } from '../agents/retry.ts';
import type { Db } from '../db/orm.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Publisher } from '../events/publisher.ts';
import { CONTROL_TOPIC } from '../events/types.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import type { Dispatcher, PlanHandler } from './dispatcher.ts';
import type { EnginePolicy } from './core/types.ts';
import { openRunStore } from './store/index.ts';
import type { Continuation } from './store/run-store.ts';
import { createTaskRunner } from './task-runner.ts';
import type { Clock, DecidedBy, ReadyTask } from './types.ts';
import type { ValidatedPlan } from '../planning/types.ts';

export interface EngineDeps {
  db: Db;
  clock: Clock;
  bus: EventBus;
  publisher: Publisher;
  dispatcher: Dispatcher;
  agents: AgentStore;
  models: ModelFactory;
  policy: RetryPolicy;
  contextBudgetChars: number;
  /** With a shared queue: how often a worker re-queues READY tasks that have no job (0 = never). */
  reconcileMs?: number;
  /**
   * With a shared queue: RUNNING tasks are re-queued only once claimed this long ago (the lock
   * duration), so a task a live worker has just continued is not handed to a second one.
   */
  runningStaleMs?: number;
  logger: Logger;
  telemetry: Pick<Telemetry, 'task'>;
  /** What holds tasks or stops runs (approvals, budgets); by default nothing. */
  enginePolicy?: EnginePolicy;
}

type ControlMessage = { type: 'cancel'; workflowId: string };

/**
 * The scheduler service: turns start / cancel / retry into committed
 * transitions, publishes their events, and hands ready tasks to the
 * dispatcher. Every decision about what becomes ready is made by the store
 * inside the transaction that records the finished task.
 */
export function createEngine(d: EngineDeps) {
  const store = openRunStore(d.db, d.clock, d.enginePolicy);
  // A dependent this process claims with a completion runs in a slot reserved for it, from the moment its claim is written.
  const continuation: Continuation = { slots: d.dispatcher, run: (k) => d.dispatcher.runReserved(k.ready, (signal) => runner.continued(k, signal)) };
  const dispatch = (ready: ReadyTask[]) => (ready.length ? d.dispatcher.enqueue(ready) : Promise.resolve());
  const runner = createTaskRunner({
    tasks: store,
    agents: d.agents,
    models: d.models,
    policy: d.policy,
    contextBudgetChars: d.contextBudgetChars,
    now: d.clock.now,
    logger: d.logger,
    telemetry: d.telemetry,
    publish: (c) => d.publisher.committed(c),
    publishOutput: (task, seq, index, text) =>
      d.publisher.live({
        workflowId: task.workflowId,
        seq,
        kind: 'task_output',
        at: new Date(d.clock.now()).toISOString(),
        payload: { taskId: task.taskId, key: task.key, agent: task.agent, index, text },
      }),
    dispatch,
    continuation,
  });
  let control: { close(): void } | undefined;
  let reconciler: NodeJS.Timeout | undefined;
  const timers: NodeJS.Timeout[] = [];

  return {
    /** The run store: workflow and task transitions, and reads. */
    store,
    async start(id: string) {
      // With a shared queue the first tasks are queued while the start commits (their claims wait
      // for it); the events are published only after the commit. Neither waits for the other.
      let queued: Promise<void> | undefined;
      const c = await store.start(id, d.dispatcher.capabilities.sharedQueue ? (ready) => void (queued = dispatch(ready)) : undefined);
      // Queued early, or now (again, if queueing early failed: its error is the caller's if this fails too).
      await Promise.all([queued ? queued.catch(() => dispatch(c.value)) : dispatch(c.value), d.publisher.committed(c)]);
    },
    /**
     * A person's decision on a task of the tenant (approveTask, requestChanges, rejectTask): committed,
     * then what it made runnable is queued (any worker runs it) and its events published.
     */
    async decide(decision: 'approve' | 'requestChanges' | 'reject', tenant: string, taskId: string, by: DecidedBy, text: string | null) {
      const c =
        decision === 'approve' ? await store.approve(tenant, taskId, by, text) : await store[decision](tenant, taskId, by, text ?? '');
      await Promise.all([dispatch(c.value), d.publisher.committed(c)]);
    },
    /** editPlan: committed, then the tasks it made READY queued and its events published. */
    async editPlan(id: string, revision: number, plan: ValidatedPlan, by: DecidedBy) {
      const c = await store.editPlan(id, revision, plan, by);
      await Promise.all([dispatch(c.value), d.publisher.committed(c)]);
    },
    /** pauseWorkflow / resumeWorkflow: committed, then (resume) the READY tasks queued and the events published. */
    async pauseOrResume(what: 'pause' | 'resume', id: string, by: DecidedBy) {
      const c = await store[what](id, by);
      await Promise.all([dispatch(c.value), d.publisher.committed(c)]);
    },
    async retry(id: string) {
      const c = await store.retry(id);
      await Promise.all([dispatch(c.value), d.publisher.committed(c)]);
    },
    async cancel(id: string, reason: string | null = null) {
      const c = await store.cancel(id, reason);
      // Every process aborts its in-flight calls for this workflow: this one at once, right after the
      // commit (before anything is awaited, so a runner that claimed its task before the cancel cannot
      // start a model call meanwhile), the others as soon as the broadcast reaches them.
      d.dispatcher.abortWorkflow(id);
      await d.bus.publish(CONTROL_TOPIC, { type: 'cancel', workflowId: id } satisfies ControlMessage).catch((err) => {
        d.logger.warn({ err: String(err) }, 'cancel broadcast failed; other processes stop at their next write');
      });
      await d.publisher.committed(c);
    },
    /** Queues the planning of a workflow in PLANNING; it runs wherever tasks run (see PlanHandler). */
    plan: (workflowId: string) => d.dispatcher.enqueuePlans([workflowId]),
    /**
     * Worker role: listen for cancels, run queued tasks and plans, and re-queue what a dead process
     * left unfinished.
     */
    async startWorking(plan: PlanHandler) {
      const sub = await d.bus.subscribe<ControlMessage>(CONTROL_TOPIC);
      control = sub;
      void (async () => {
        try {
          for await (const m of sub) if (m.type === 'cancel') d.dispatcher.abortWorkflow(m.workflowId);
        } catch (err) {
          d.logger.warn({ err: String(err) }, 'control subscription ended');
        }
      })();
      await d.dispatcher.startWorking(runner.run, plan);
      await this.recover();
      // An API process that dies between committing a start (or retry) and queueing its first tasks
      // leaves READY tasks with no job; with a shared queue, any worker re-queues them (job id = task id).
      // Tasks too freshly RUNNING to re-queue now are looked at again once they are not.
      if (d.runningStaleMs !== undefined) {
        const again = setTimeout(() => this.recover().catch((err) => d.logger.warn({ err: String(err) }, 'recovery failed')), d.runningStaleMs);
        again.unref();
        timers.push(again);
      }
      if (d.dispatcher.capabilities.sharedQueue && d.reconcileMs) {
        reconciler = setInterval(() => {
          this.recover().catch((err) => d.logger.warn({ err: String(err) }, 'reconcile failed'));
        }, d.reconcileMs);
        reconciler.unref();
      }
    },
    /**
     * READY and RUNNING tasks of EXECUTING workflows go back on the queue; completed ones never run
     * again. Workflows still PLANNING are queued for planning: a plan job already waiting or running
     * (anywhere) is not duplicated, and a second planner could not commit a plan anyway.
     */
    async recover() {
      const pending = await store.unfinished(d.runningStaleMs === undefined ? {} : { runningBefore: d.clock.now() - d.runningStaleMs });
      if (pending.length > 0) d.logger.debug({ tasks: pending.length }, 're-queueing unfinished tasks');
      const planning = (await store.planningWorkflows()).map((w) => w.id);
      await Promise.all([dispatch(pending), d.dispatcher.enqueuePlans(planning)]);
      return pending.length;
    },
    async stop(graceMs: number) {
      clearInterval(reconciler);
      timers.forEach(clearTimeout);
      await d.dispatcher.stop(graceMs);
      control?.close();
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
