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
 * Where ready tasks wait and who runs them: in-process (embedded) or BullMQ
 * (any number of worker processes). Tasks already committed as READY are safe
 * to enqueue again: a dispatcher never runs one task twice at the same time,
 * and the store refuses to claim a task that is no longer READY or RUNNING.
 */
export interface Dispatcher {
  readonly kind: 'local' | 'bullmq';
  enqueue(tasks: ReadyTask[]): Promise<void>;
  /** Start running queued tasks with the handler (worker role). */
  startWorking(handler: TaskHandler): Promise<void>;
  /** Abort this process's running tasks of the workflow and drop its queued ones. */
  abortWorkflow(workflowId: string): void;
  /** Stop taking work; give running tasks graceMs, then abort them with a ShutdownSignal. */
  stop(graceMs: number): Promise<void>;
}
