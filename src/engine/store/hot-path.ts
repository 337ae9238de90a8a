import type { EnginePolicy } from '../core/types.ts';
import type { ApprovalMode, ClaimedTask, ReadyTask } from '../types.ts';
import type { CompletionContext, CompletionItem, Completed } from './complete-step.ts';
import type { Committed } from './transition.ts';

/** The READY columns of a task, as a start returns them. */
export const READY_RETURNING = 'id, workflow_id, key, agent, order_index, approval';

/**
 * The transitions each adapter writes in its own SQL (the hot path), each one transaction that
 * calls the core. The rest of the store is SQL both databases accept (store/workflows.ts, tasks.ts).
 */
export interface HotPath {
  /**
   * PLANNED -> EXECUTING; the roots the policy lets run are READY and returned, held ones stay PENDING.
   * `written` gets them as soon as they are written, where the adapter can (a claim of one waits
   * for this commit, since it takes the workflow's lock first).
   */
  start(id: string, policy: EnginePolicy, written?: (ready: ReadyTask[]) => void): Promise<Committed<ReadyTask[]>>;
  /**
   * READY (or RUNNING, taking over from a dead runner) -> RUNNING under `lease`, for tasks of one
   * EXECUTING workflow; `written` gets the claims before the commit, where the adapter can.
   */
  claim(workflowId: string, tasks: ReadyTask[], lease: string, written?: (claimed: Map<string, ClaimedTask>) => void): Promise<Committed<Map<string, ClaimedTask>>>;
  /** RUNNING -> COMPLETED for tasks of one workflow, and the dependents they made runnable claimed as the room allows. */
  completeAndClaim(workflowId: string, items: CompletionItem[], ctx: CompletionContext): Promise<Committed<Completed>>;
}

export const toReady = (rows: Array<Record<string, unknown>>): ReadyTask[] =>
  rows
    .map((r) => ({
      taskId: r.id as string,
      workflowId: r.workflow_id as string,
      key: r.key as string,
      agent: r.agent as string,
      orderIndex: Number(r.order_index),
      approval: r.approval as ApprovalMode,
    }))
    .sort((a, b) => a.orderIndex - b.orderIndex);
