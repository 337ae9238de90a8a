import type { Budget, UsageTotals } from './core/budget.ts';
export const WORKFLOW_STATUSES = ['PLANNING', 'PLANNED', 'EXECUTING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];
export const TASK_STATUSES = ['PENDING', 'READY', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED', 'AWAITING_APPROVAL', 'AWAITING_REVIEW', 'REJECTED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const ACTIVE_WORKFLOW: readonly WorkflowStatus[] = ['PLANNING', 'PLANNED', 'EXECUTING', 'PAUSED'];
/** Unfinished: a cancel ends these (tasks awaiting a person's decision included). */
export const UNFINISHED_TASK: readonly TaskStatus[] = ['PENDING', 'READY', 'RUNNING', 'AWAITING_APPROVAL', 'AWAITING_REVIEW'];

/** When a task waits for a person: never, before it runs (approval), or after (review of its output). */
export const APPROVAL_MODES = ['NONE', 'BEFORE_RUN', 'AFTER_RUN'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** Who took a decision on a task: the API key's id and name (both null with AUTH=off). */
export interface DecidedBy {
  keyId: string | null;
  keyName: string | null;
}

/** What a dispatcher needs to queue a task; the runner loads the rest. */
export interface ReadyTask {
  taskId: string;
  workflowId: string;
  key: string;
  agent: string;
  orderIndex: number;
  /** Its approval mode, where the store read it (the policy holds BEFORE_RUN tasks). */
  approval?: ApprovalMode;
  /** When it was queued (epoch ms), for the start-delay metric; set by the telemetry's dispatcher hook. */
  readyAt?: number;
  /** Its workflow's W3C traceparent, with tracing on: BullMQ job data carries it to the worker. */
  traceparent?: string;
}

export interface TokenUsage {
  input: number;
  output: number;
  /** USD, at the price of the call's model (0 when unpriced). */
  costUsd?: number;
}

/**
 * One model call's usage not yet recorded (a delta the store adds to its row, its task's and its
 * workflow's totals), with who made it. A call is recorded in parts while it streams (crash-safe
 * usage), and its last part with the task's outcome.
 */
export interface CallUsage {
  callId: string;
  workflowId: string;
  /** Null for the planning call. */
  taskId: string | null;
  attempt: number;
  agent: string;
  /** `provider:model` as configured. */
  model: string;
  priced: boolean;
  /** Counted from the streamed text so far (the provider has not reported the call's usage). */
  estimated: boolean;
  startedAt: number;
  /** No part of this call was recorded before (its row does not exist yet). */
  first: boolean;
  input: number;
  output: number;
  costUsd: number;
}

export interface TaskResultEntry {
  key: string;
  agent: string;
  description: string;
  status: TaskStatus;
  output: string | null;
  error: string | null;
  durationMs: number | null;
  attempts: number;
}

/** Usage totals of a group of model calls (an agent's, a model's). */
export interface UsageEntry {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number;
  calls: number;
}

export interface WorkflowResults {
  tasks: TaskResultEntry[];
  totals: {
    durationMs: number | null;
    tasks: number;
    completed: number;
    inputTokens: number;
    outputTokens: number;
    totalTokens: number;
    costUsd: number;
    /** Every model call of the run (the planning call and failed attempts included), by agent and by model. */
    byAgent: Array<UsageEntry & { agent: string }>;
    byModel: Array<UsageEntry & { model: string }>;
  };
}

/** A task a runner holds the lease of, with what its prompt needs. */
export interface ClaimedTask {
  taskId: string;
  workflowId: string;
  /** The workflow's tenant, whose agents run the task. */
  tenant: string;
  key: string;
  agent: string;
  description: string;
  request: string;
  dependsOn: string[];
  attempt: number;
  lease: string;
  /** AFTER_RUN: its output waits for a review instead of completing. */
  approval?: ApprovalMode;
  /** A run asked for by requestChanges: the previous output and the reviewer's feedback. */
  revision?: { output: string; feedback: string };
  /** The workflow's budget and stored usage when the task was claimed (its calls check the limit as they stream). */
  budget?: Budget | null;
  usage?: UsageTotals;
}

export interface DependencyOutput {
  key: string;
  agent: string;
  output: string;
}

/**
 * A task claimed to run in this process at once, from the moment its claim is written: a dependent
 * claimed in the transaction that completed its last dependency, or a queued task as its claim is written.
 */
export interface ContinuedTask {
  ready: ReadyTask;
  task: ClaimedTask;
  /**
   * The seq of its task_started event once the claim is committed and the completion's events are
   * being published; null if the transaction did not commit (the claim never happened).
   */
  startedSeq: Promise<number | null>;
  /**
   * Outputs of its dependencies completed in this transaction: not committed yet when the task
   * starts, so they are not read from the database but passed on (the others are committed).
   */
  outputs?: DependencyOutput[];
}

/**
 * Takes a continued task as soon as its claim is written, before the commit, so its model call
 * overlaps the rest of the transaction: it must not write, publish or stream before `startedSeq`
 * resolves, and must stop if that is null. The slot reserved for it is the run's from then on.
 */
export type StartContinued = (k: ContinuedTask) => void;

/** What a completion made runnable and did not claim: dependents to queue (those claimed run already, see ContinuedTask). */
export interface Completion {
  ready: ReadyTask[];
}

/** Slots of the process that completes a task, for the dependents it can run itself (see the scheduler's slots, slots.ts). */
export interface Slots {
  reserve(agent: string): boolean;
  unreserve(agent: string): void;
}

export interface TaskOutcome {
  output: string;
  /** The usage this outcome records (the sum of `calls`' deltas). */
  usage: TokenUsage;
  durationMs: number;
  /** The model calls' parts not recorded yet, stored with the outcome. */
  calls?: CallUsage[];
}

/** Time and ids for the engine (tests supply their own). */
export interface Clock {
  now(): number;
  id(): string;
}
