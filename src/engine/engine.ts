import type { AgentStore } from '../agents/agent-store.ts';
import type { ModelFactory } from '../agents/model-factory.ts';
import type { RetryPolicy } from '../agents/retry.ts';
import type { Db } from '../db/orm.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { Publisher } from '../events/publisher.ts';
import { CONTROL_TOPIC } from '../events/types.ts';
import type { Logger } from '../logger.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import type { TaskTools } from '../tools/task-tools.ts';
import type { Dispatcher, PlanHandler } from './dispatcher.ts';
import type { EnginePolicy } from './core/types.ts';
import { createScheduler } from './scheduler.ts';
import type { SlotLimits } from './slots.ts';
import { type Committed, openRunStore } from './store/index.ts';
import { sumCalls } from './store/usage.ts';
import { createTaskRunner } from './task-runner.ts';
import type { CallUsage, Clock, DecidedBy } from './types.ts';
import type { Budget, UsageTotals } from './core/budget.ts';
import { createMemoryLiveUsage, type LiveUsage } from '../usage/live.ts';
import { createUsageMeter } from '../usage/metering.ts';
import { createPriceTable, type PriceTable } from '../usage/prices.ts';
import type { ValidatedPlan } from '../planning/types.ts';

export interface EngineDeps {
  db: Db;
  clock: Clock;
  bus: EventBus;
  publisher: Publisher;
  dispatcher: Dispatcher;
  /** How many tasks this process runs at once, in all and per agent (the scheduler's slots). */
  limits: SlotLimits;
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
  /** Tool loops for agents with tools (src/tools); none: every task streams one answer. */
  tools?: TaskTools;
  /** Usage accounting (issue #15): the live totals (memory or Redis), the prices, LLM_MODEL, how often calls in flight record. */
  usage?: { live?: LiveUsage; prices?: PriceTable; defaultModel?: string; flushMs?: number };
}

/** Messages every process acts on: a cancel (or a budget's stop or pause) aborts calls in flight; a new budget reaches the calls of its workflow. */
type ControlMessage = { type: 'cancel'; workflowId: string } | { type: 'budget'; workflowId: string; budget: Budget | null };

/**
 * The engine: the run store (which decides, in its transactions), the task runner (which executes)
 * and the scheduler (which starts work), wired together; plus cancels, which reach every process.
 */
export function createEngine(d: EngineDeps) {
  const store = openRunStore(d.db, d.clock, d.enginePolicy);
  const publish = (c: Committed<unknown>) => d.publisher.committed(c);
  const scheduler = createScheduler(
    { store, dispatcher: d.dispatcher, limits: d.limits, clock: d.clock, logger: d.logger, publish, reconcileMs: d.reconcileMs, runningStaleMs: d.runningStaleMs },
    () => runner,
  );
  /** Aborts the workflow's calls in flight in every process: this one at once, the others by broadcast. */
  const abortEverywhere = async (id: string) => {
    d.dispatcher.abortWorkflow(id);
    await d.bus.publish(CONTROL_TOPIC, { type: 'cancel', workflowId: id } satisfies ControlMessage).catch((err) => {
      d.logger.warn({ err: String(err) }, 'cancel broadcast failed; other processes stop at their next write');
    });
  };
  /** Usage recorded, and what the budget decided: a stop or a pause aborts every process's calls. */
  const liveUsage = d.usage?.live ?? createMemoryLiveUsage(d.clock.now);
  const recordUsage = async (workflowId: string, parts: CallUsage[], live?: UsageTotals) => {
    const c = await store.recordUsage(workflowId, parts, live);
    // Planning calls check no budget, so the live total has not counted them: a replan's join it here.
    const planning = parts.filter((p) => p.taskId === null);
    if (planning.length > 0) await liveUsage.bump(workflowId, sumCalls(planning)).catch(() => {});
    if (c.value.abort) await abortEverywhere(workflowId);
    else if (c.value.stale) d.dispatcher.abortWorkflow(workflowId); // this process missed the abort's broadcast
    await publish(c);
  };
  const meter = createUsageMeter({
    live: liveUsage,
    prices: d.usage?.prices ?? createPriceTable(),
    defaultModel: d.usage?.defaultModel ?? 'offline',
    flushMs: d.usage?.flushMs ?? 1000,
    now: d.clock.now,
    id: d.clock.id,
    logger: d.logger,
    record: recordUsage,
  });
  const runner = createTaskRunner({
    meter,
    tasks: store,
    agents: d.agents,
    models: d.models,
    policy: d.policy,
    contextBudgetChars: d.contextBudgetChars,
    now: d.clock.now,
    logger: d.logger,
    telemetry: d.telemetry,
    publish,
    publishOutput: (task, seq, index, text) =>
      d.publisher.live({
        workflowId: task.workflowId,
        seq,
        kind: 'task_output',
        at: new Date(d.clock.now()).toISOString(),
        payload: { taskId: task.taskId, key: task.key, agent: task.agent, index, text },
      }),
    dispatch: scheduler.dispatch,
    continuation: scheduler.continuation,
    tools: d.tools,
  });
  let control: { close(): void } | undefined;

  return {
    /** The run store: workflow and task transitions, and reads. */
    store,
    start: scheduler.start,
    retry: scheduler.retry,
    recover: scheduler.recover,
    /**
     * A person's decision on a task of the tenant (approveTask, requestChanges, rejectTask): committed,
     * then what it made runnable is queued (any worker runs it) and its events published.
     */
    async decide(decision: 'approve' | 'requestChanges' | 'reject', tenant: string, taskId: string, by: DecidedBy, text: string | null) {
      await scheduler.queued(decision === 'approve' ? await store.approve(tenant, taskId, by, text) : await store[decision](tenant, taskId, by, text ?? ''));
    },
    /** rerunTask: committed, then the tasks it made READY queued and its events published; returns the workflow's id. */
    async rerunTask(tenant: string, taskId: string, description: string | null) {
      const c = await store.rerunTask(tenant, taskId, description);
      await scheduler.queued(c);
    },
    /** editPlan (or a replan's plan, applied by its planning job): committed, then the tasks it made READY queued and its events published. */
    async editPlan(id: string, revision: number | null, plan: ValidatedPlan, by: DecidedBy, replan?: { text: string | null; id: string }) {
      await scheduler.queued(await store.editPlan(id, revision, plan, by, replan));
    },
    /**
     * replanWorkflow: the request committed (the workflow PLANNING, INVALID_STATE when it cannot be
     * replanned), then its planning job queued; it runs wherever tasks run (see PlanHandler). If this
     * process dies before queueing it, a worker's recovery queues it (the workflow is PLANNING).
     */
    async requestReplan(id: string, ask: { feedback: string | null; autoStart: boolean; by: DecidedBy }) {
      const c = await store.requestReplan(id, ask);
      await Promise.all([publish(c), d.dispatcher.enqueuePlans([id])]);
    },
    /** pauseWorkflow / resumeWorkflow: committed, then (resume) the READY tasks queued and the events published. */
    async pauseOrResume(what: 'pause' | 'resume', id: string, by: DecidedBy) {
      if (what === 'pause') return scheduler.queued(await store.pause(id, by));
      // Tasks a dead process left RUNNING are queued again, as the recovery would (see store.resume).
      const stale = d.runningStaleMs === undefined ? {} : { runningBefore: d.clock.now() - d.runningStaleMs };
      await scheduler.queued(await store.resume(id, by, stale));
    },
    async cancel(id: string, reason: string | null = null) {
      const c = await store.cancel(id, reason);
      // Every process aborts its in-flight calls for this workflow: this one at once, right after the
      // commit (before anything is awaited, so a runner that claimed its task before the cancel cannot
      // start a model call meanwhile), the others as soon as the broadcast reaches them.
      await abortEverywhere(id);
      await publish(c);
    },
    /** Usage of calls made outside a task (the planning call): recorded, and the budget decides. */
    recordUsage,
    /** The meter, for the planner's calls. */
    meter,
    /**
     * setBudget: committed; the calls in flight of the workflow learn the new limits (every process);
     * a run the budget paused and now has room resumes (its READY tasks queued); one now over its
     * limits is stopped or paused (its calls aborted).
     */
    async setBudget(id: string, budget: Budget | null) {
      const c = await store.setBudget(id, budget);
      meter.budgetChanged(id, budget);
      await d.bus.publish(CONTROL_TOPIC, { type: 'budget', workflowId: id, budget } satisfies ControlMessage).catch((err) => {
        d.logger.warn({ err: String(err) }, 'budget broadcast failed; calls in flight elsewhere keep the old limits until they end');
      });
      if (c.value.abort) await abortEverywhere(id);
      await scheduler.queued({ ...c, value: c.value.ready });
    },
    /** Queues the planning of a workflow in PLANNING; it runs wherever tasks run (see PlanHandler). */
    plan: (workflowId: string) => d.dispatcher.enqueuePlans([workflowId]),
    /** Worker role: listen for cancels, then run queued tasks and plans (see Scheduler.startWorking). */
    async startWorking(plan: PlanHandler) {
      const sub = await d.bus.subscribe<ControlMessage>(CONTROL_TOPIC);
      control = sub;
      void (async () => {
        try {
          for await (const m of sub) {
            if (m.type === 'cancel') d.dispatcher.abortWorkflow(m.workflowId);
            else if (m.type === 'budget') meter.budgetChanged(m.workflowId, m.budget);
          }
        } catch (err) {
          d.logger.warn({ err: String(err) }, 'control subscription ended');
        }
      })();
      await scheduler.startWorking(plan);
    },
    async stop(graceMs: number) {
      await scheduler.stop(graceMs);
      control?.close();
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
