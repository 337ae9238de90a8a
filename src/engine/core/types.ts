import type { EventKind, EventPayloads } from '../../events/types.ts';
import type { Budget, UsageTotals } from './budget.ts';
import type { ApprovalMode, ClaimedTask, ReadyTask, TaskStatus, TokenUsage, WorkflowResults, WorkflowStatus } from '../types.ts';

/** The workflow row as a transition reads it with its lock: what every decision starts from. */
export interface WorkflowRow {
  id: string;
  /** The workflow's owner: tasks run with its agents. */
  tenant: string;
  status: WorkflowStatus;
  description: string;
  lastSeq: number;
  totalTasks: number;
  completedTasks: number;
  finishedTasks: number;
  failedTasks: number;
  startedAt: number | null;
  createdAt: number;
  /** Its limits (null: none) and their state bits (core/budget.ts). */
  budget: Budget | null;
  budgetState: number;
  /** Every model call's usage recorded so far. */
  usage: UsageTotals;
}

/** An event a decision asks to store (the store gives it its seq and time). */
export type EventDraft = { [K in EventKind]: { kind: K; payload: EventPayloads[K] } }[EventKind];
export const draft = <K extends EventKind>(kind: K, payload: EventPayloads[K]) => ({ kind, payload }) as EventDraft;

/** A patch value that adds to a counter instead of setting it. */
export interface Add {
  add: number;
}
export const add = (n: number): Add => ({ add: n });
export const isAdd = (v: unknown): v is Add => typeof v === 'object' && v !== null && 'add' in v;

/**
 * A change of the workflow row, by meaning; the store maps it to columns in one place
 * (store/patch.ts). Absent fields are left as they are.
 */
export interface WorkflowPatch {
  status?: WorkflowStatus;
  error?: string | null;
  plan?: string | null;
  results?: WorkflowResults | null;
  startedAt?: number;
  completedAt?: number | null;
  totalTasks?: number;
  finishedTasks?: number;
  completedTasks?: number;
  failedTasks?: number;
  inputTokens?: Add;
  outputTokens?: Add;
  costUsd?: Add;
  budget?: Budget | null;
  budgetState?: number;
}

/** What a transition decided: the events to store, the workflow's patch, and the tasks it let run or held. */
export interface Decision {
  events: EventDraft[];
  patch: WorkflowPatch;
  /** Tasks that may run now, in plan order. */
  ready: ReadyTask[];
  /**
   * Tasks whose dependencies are done but that the policy holds (they wait, e.g. for a human or a
   * budget): the store keeps them PENDING with no remaining dependencies, so nothing claims or
   * re-queues them until a later transition releases them.
   */
  held: ReadyTask[];
  /**
   * Tasks whose dependencies are done that wait for a person's approval (holdBeforeRun): the store
   * makes them AWAITING_APPROVAL (a stored status, so the wait is durable and takes no slot); only
   * an approveTask releases them.
   */
  awaiting: ReadyTask[];
  /** How the workflow ends with this transition, if it does: the store then reads its results (see finished). */
  ends: 'COMPLETED' | 'FAILED' | null;
}

/** A task row as the fail and retry decisions read the whole graph. */
export interface TaskRow {
  id: string;
  key: string;
  agent: string;
  orderIndex: number;
  status: TaskStatus;
  dependsOn: string[];
  dependents: string[];
  /** When the task waits for a person (NONE when absent). */
  approval?: ApprovalMode;
}

/** What a completion of a task reports to the decision. */
export interface DoneTask {
  taskId: string;
  key: string;
  agent: string;
  output: string;
  durationMs: number;
  usage: TokenUsage;
}

/** A task's new state when a workflow runs again (retry). */
export interface TaskReset {
  id: string;
  status: 'READY' | 'PENDING' | 'AWAITING_APPROVAL';
  remaining: number;
}

/** What the policy says after a completion's usage: go on, or let nothing new start (the run pauses). */
export type UsageVerdict = 'continue' | 'hold';

/**
 * The seam for decisions the next issues add (approvals, budgets). Both are asked inside the
 * transaction that makes a task runnable, so what they decide commits with the rest. Pure: no I/O.
 */
export interface EnginePolicy {
  /** True when this task, its dependencies done, must wait (e.g. for a human's approval) instead of running. */
  holdBeforeRun(task: ReadyTask, workflow: WorkflowRow): boolean;
  /**
   * True when this task's output, once written, must wait for a person's review before it
   * completes. Asked with the claim (which carries the task's approval mode); the hold itself is
   * written by the transaction that stores the output.
   */
  holdAfterRun(task: ClaimedTask): boolean;
  /** With the workflow's usage (a completion's included): whether anything new may start. */
  afterUsage(workflow: WorkflowRow, usage: UsageTotals): UsageVerdict;
}
