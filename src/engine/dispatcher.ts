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

export type TaskHandler = (task: ReadyTask, signal: AbortSignal) => Promise<void>;
/**
 * Plans a workflow left in PLANNING (the orchestrator's call). Runs wherever tasks run; given back
 * at shutdown (the signal's reason is a ShutdownSignal, and the handler writes nothing then).
 */
export type PlanHandler = (workflowId: string, signal: AbortSignal) => Promise<void>;

/**
 * Where ready tasks wait and who runs them: in-process (embedded) or BullMQ
 * (any number of worker processes). Tasks already committed as READY are safe
 * to enqueue again: a dispatcher never runs one task twice at the same time,
 * and the store refuses to claim a task that is no longer READY or RUNNING.
 */
/** What a dispatcher can do, for callers that adapt to it (instead of asking which one it is). */
export interface DispatcherCapabilities {
  /**
   * Its queue is shared by processes (BullMQ): a task may be queued before the transition that made
   * it READY commits (its claim waits for that commit), and READY tasks without a job are worth
   * reconciling, since a process may die between a commit and its enqueue.
   */
  sharedQueue: boolean;
}

export interface Dispatcher {
  readonly capabilities: DispatcherCapabilities;
  enqueue(tasks: ReadyTask[]): Promise<void>;
  /**
   * Queues the planning of these workflows (a job per workflow, never two at once for one; safe to
   * repeat). A process that dies while planning leaves the job to another process, or its restart.
   */
  enqueuePlans(workflowIds: string[]): Promise<void>;
  /** Start running queued tasks and plans with the handlers (worker role). */
  startWorking(handler: TaskHandler, plan: PlanHandler): Promise<void>;
  /**
   * Takes a slot, within the global and per-agent limits, for a task of this agent that this
   * process will claim and run at once (a dependent continued by the runner that completed its
   * last dependency, without a trip through the queue). False when this process runs no tasks,
   * is stopping, or has no room; the task is then queued as usual.
   */
  reserve(agent: string): boolean;
  /** Gives back a reserved slot that was not used. */
  unreserve(agent: string): void;
  /** Runs a task claimed into a reserved slot; the dispatcher tracks it like any running task. */
  runReserved(task: ReadyTask, run: (signal: AbortSignal) => Promise<void>): void;
  /** Abort this process's running tasks (and planning) of the workflow and drop its queued ones. */
  abortWorkflow(workflowId: string): void;
  /** Stop taking work; give running tasks graceMs, then abort them with a ShutdownSignal. */
  stop(graceMs: number): Promise<void>;
  /** Queue depth for the metrics: the shared queue's (BullMQ), or this process's (embedded). */
  counts(): Promise<{ waiting: number; active: number }>;
}
