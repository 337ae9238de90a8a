import type { ProcessSlots } from './slots.ts';
import type { ReadyTask } from './types.ts';

/** Why a running task's signal fired. A cancelled task writes nothing; a task stopped by shutdown is given back. */
export class CancelledSignal extends Error {
  override name = 'CancelledSignal';
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} was cancelled`);
  }
}
export class ShutdownSignal extends Error {
  override name = 'ShutdownSignal';
  constructor() {
    super('the process is shutting down');
  }
}

/** What a queue does with the process's slots: takes one for each run it starts, gives it back when the run ends. */
export type QueueSlots = Pick<ProcessSlots, 'limits' | 'room' | 'take' | 'acquire' | 'release' | 'onFree'>;

export type TaskHandler = (task: ReadyTask, signal: AbortSignal) => Promise<void>;
/**
 * Plans a workflow left in PLANNING (the orchestrator's call). Runs wherever tasks run; given back
 * at shutdown (the signal's reason is a ShutdownSignal, and the handler writes nothing then).
 */
export type PlanHandler = (workflowId: string, signal: AbortSignal) => Promise<void>;

/** What a dispatcher can do, for callers that adapt to it (instead of asking which one it is). */
export interface DispatcherCapabilities {
  /**
   * Its queue is shared by processes (BullMQ): a task may be queued before the transition that made
   * it READY commits (its claim waits for that commit), and READY tasks without a job are worth
   * reconciling, since a process may die between a commit and its enqueue.
   */
  sharedQueue: boolean;
}

/**
 * Where ready tasks wait and who runs them: in-process (embedded) or BullMQ
 * (any number of worker processes). Tasks already committed as READY are safe
 * to enqueue again: a dispatcher never runs one task twice at the same time,
 * and the store refuses to claim a task that is no longer READY or RUNNING.
 * A queue adapter only: the scheduler (scheduler.ts) owns the slots its runs take.
 */
export interface Dispatcher {
  readonly capabilities: DispatcherCapabilities;
  enqueue(tasks: ReadyTask[]): Promise<void>;
  /**
   * Queues the planning of these workflows (a job per workflow, never two at once for one; safe to
   * repeat). A process that dies while planning leaves the job to another process, or its restart.
   */
  enqueuePlans(workflowIds: string[]): Promise<void>;
  /**
   * Start running queued tasks and plans with the handlers (worker role), each in a slot of the
   * process taken from `slots` (the scheduler's: the limits are counted there, not here).
   */
  startWorking(handler: TaskHandler, plan: PlanHandler, slots: QueueSlots): Promise<void>;
  /**
   * Runs a task this process claimed without its queue (a dependent continued by the runner that
   * completed its last dependency), in a slot the scheduler reserved and gives back when this
   * resolves. Tracked like a queued task's run (abortWorkflow, stop); with a shared queue, another
   * process takes it over if this one dies. Never rejects (a failed run is logged).
   */
  runClaimed(task: ReadyTask, run: (signal: AbortSignal) => Promise<void>): Promise<void>;
  /** Abort this process's running tasks (and planning) of the workflow and drop its queued ones. */
  abortWorkflow(workflowId: string): void;
  /** Stop taking work; give running tasks graceMs, then abort them with a ShutdownSignal. */
  stop(graceMs: number): Promise<void>;
  /** Queue depth for the metrics: the shared queue's (BullMQ), or this process's (embedded). */
  counts(): Promise<{ waiting: number; active: number }>;
}
