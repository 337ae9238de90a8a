import type { KeyStore } from '../auth/keys.ts';
import type { Principal } from '../auth/principal.ts';
import type { ApprovalMode } from '../engine/types.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/orm.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { AnyWorkflowEvent } from '../events/types.ts';
import type { Logger } from '../logger.ts';
import type { ToolServerStore } from '../tools/tool-server-store.ts';
import type { Workspace } from '../tools/workspace.ts';

export interface TaskInput {
  key: string;
  /** NONE (default), BEFORE_RUN or AFTER_RUN. */
  approval?: ApprovalMode | null;
  /** "backend" or "@backend". */
  agent: string;
  description: string;
  dependsOn?: string[] | null;
}

export interface CreateWorkflowInput {
  description: string;
  channelId?: string | null;
  tasks: TaskInput[];
  /** Sent again with the same key (same tenant, within 24 hours): the workflow already created. */
  idempotencyKey?: string | null;
  /** Limits on its model calls; absent: DEFAULT_BUDGET_TOKENS / DEFAULT_BUDGET_USD. */
  budget?: BudgetInput | null;
}

export interface BudgetInput {
  maxTokens?: number | null;
  maxCostUsd?: number | null;
  onExceed?: 'STOP' | 'PAUSE' | null;
}

export interface PlanWorkflowInput {
  request: string;
  channelId?: string | null;
  autoStart?: boolean | null;
  /** Applied to every planned task. */
  approval?: ApprovalMode | null;
  /** As in CreateWorkflowInput; one key space for both. */
  idempotencyKey?: string | null;
  budget?: BudgetInput | null;
}

export type { AgentInput, AgentPatch } from '../agents/agent-store.ts';
import type { AgentInput, AgentPatch } from '../agents/agent-store.ts';

/**
 * What the GraphQL layer may call. Every method validates its input and throws
 * a BatonError (with a code) for expected failures; nothing is written then.
 * Reads go through the EntityManager (db.em()) and DataLoaders in the schema.
 */
export interface Services {
  config: Config;
  db: Db;
  bus: EventBus;
  logger: Logger;
  /**
   * Every method acts in the tenant it is given (the caller's): another tenant's workflow is
   * NOT_FOUND, exactly as an unknown id, and nothing is written.
   */
  workflows: {
    /** Validates and stores a manual plan; the workflow is PLANNED. Returns its id. */
    create(tenant: string, input: CreateWorkflowInput): Promise<string>;
    /** Stores the workflow in PLANNING and plans it in the background. Returns its id at once. */
    plan(tenant: string, input: PlanWorkflowInput): Promise<string>;
    start(tenant: string, id: string): Promise<void>;
    cancel(tenant: string, id: string): Promise<void>;
    retry(tenant: string, id: string): Promise<void>;
    remove(tenant: string, id: string): Promise<void>;
    /**
     * Decisions on a task awaiting one (INVALID_STATE otherwise; the same decision twice takes
     * effect once).
     */
    approveTask(principal: Principal, taskId: string, comment?: string | null): Promise<void>;
    requestChanges(principal: Principal, taskId: string, feedback: string): Promise<void>;
    rejectTask(principal: Principal, taskId: string, reason: string): Promise<void>;
    /** The full desired task list at `revision` (CONFLICT when stale; PLAN_INVALID naming the task; nothing half-applied). */
    editPlan(principal: Principal, id: string, input: { tasks: TaskInput[]; revision: number }): Promise<void>;
    /** On a COMPLETED, FAILED or CANCELLED workflow: the task (new description, if given) and its transitive dependents run again. */
    /** replanWorkflow: the request recorded (the workflow PLANNING) and its planning job queued; the job replans (PLANNED: whole; FAILED or CANCELLED: the unfinished part). */
    replan(principal: Principal, id: string, feedback?: string | null, autoStart?: boolean | null): Promise<void>;
    rerunTask(principal: Principal, taskId: string, description?: string | null): Promise<void>;
    /** EXECUTING -> PAUSED: no task starts; running ones finish and are recorded. */
    pause(principal: Principal, id: string): Promise<void>;
    /** PAUSED -> EXECUTING (BUDGET_EXCEEDED while over its budget). */
    resume(principal: Principal, id: string): Promise<void>;
    /** New limits at any time; a workflow its budget paused resumes when they leave room. */
    setBudget(principal: Principal, id: string, budget: BudgetInput): Promise<void>;
    /** Stored events with seq > afterSeq (and <= untilSeq), in order; none for another tenant's workflow. */
    eventsAfter(tenant: string, id: string, afterSeq: number, untilSeq?: number): Promise<AnyWorkflowEvent[]>;
  };
  /** The tenant's agents: an edit of a built-in changes the tenant's own copy only. */
  agents: {
    create(tenant: string, input: AgentInput): Promise<string>;
    update(tenant: string, name: string, patch: AgentPatch): Promise<void>;
    deactivate(tenant: string, name: string): Promise<void>;
  };
  /** API keys: created, listed and revoked per tenant; verified by the HTTP server with AUTH=required. */
  keys: KeyStore;
  /** Workflows' workspace files (artifacts); callers check the workflow's tenant first. */
  workspace: Workspace;
  /** MCP tool servers per tenant (admin only). */
  toolServers: ToolServerStore;
  health(): Promise<{ database: boolean; redis: boolean | null }>;
}
