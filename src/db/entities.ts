import { defineEntity, p } from '@mikro-orm/core';

/**
 * Timestamps are epoch milliseconds (bigint), the same on SQLite and PostgreSQL,
 * so the engine's hand-written SQL needs no per-database date handling.
 * GraphQL renders them as ISO-8601 strings with milliseconds.
 */
const ms = () => p.bigint('number');

export const AgentEntity = defineEntity({
  name: 'Agent',
  tableName: 'agents',
  properties: {
    /** The owner; `*` for the built-in templates every tenant reads until it edits its own copy. */
    tenant: p.string().length(64).primary(),
    name: p.string().length(64).primary(),
    role: p.string().length(200),
    systemPrompt: p.text(),
    model: p.string().length(200).nullable(),
    temperature: p.float().nullable(),
    maxTokens: p.integer().nullable(),
    active: p.boolean().default(true),
    builtin: p.boolean().default(false),
    /** Tool sets the agent may use (`server` or `server/tool`); null: none. */
    tools: p.json<string[]>().nullable(),
    /** Its own price (USD per million tokens each way), over the price table's; null: the table's. */
    price: p.json<{ input: number; output: number }>().nullable(),
    createdAt: ms(),
    updatedAt: ms(),
  },
});

export const WorkflowEntity = defineEntity({
  name: 'Workflow',
  tableName: 'workflows',
  indexes: [{ properties: ['createdAt'] }, { properties: ['status'] }, { properties: ['channelId'] }, { properties: ['tenant', 'createdAt'] }],
  uniques: [{ properties: ['tenant', 'idempotencyKey'] }],
  properties: {
    id: p.uuid().primary(),
    /** The owner: every read and write of the workflow, its tasks and its events is scoped to it. */
    tenant: p.string().length(64),
    /** A client's key for a create it may send again: one workflow per key and tenant for 24 hours. */
    idempotencyKey: p.string().length(200).nullable(),
    description: p.text(),
    status: p.string().length(16),
    channelId: p.string().length(128).nullable(),
    orchestrator: p.string().length(64),
    plan: p.text().nullable(),
    /** editPlan's optimistic revision: each edit adds one. */
    planRevision: p.integer().default(0),
    results: p.json<unknown>().nullable(),
    error: p.text().nullable(),
    metadata: p.json<Record<string, unknown>>(),
    autoStart: p.boolean().default(false),
    totalTasks: p.integer().default(0),
    completedTasks: p.integer().default(0),
    /** Tasks in a final state (completed, failed, skipped); the run ends when it reaches totalTasks. */
    finishedTasks: p.integer().default(0),
    failedTasks: p.integer().default(0),
    /** Highest event seq allocated; incremented in the transaction that stores the event. */
    lastSeq: p.integer().default(0),
    /**
     * Unused since issue #13: nothing ever read it (a stale job is refused by its lease instead).
     * Kept only because dropping the column needs a migration on both databases.
     */
    runNumber: p.integer().default(0),
    /** Running totals of every model call of the workflow (model_calls), kept for budget decisions. */
    inputTokens: p.integer().default(0),
    outputTokens: p.integer().default(0),
    costUsd: p.double().default(0),
    /** `{maxTokens, maxCostUsd, onExceed}` or null: no limit. */
    budget: p.json<unknown>().nullable(),
    /** Bits: 1 warned at 80% of maxTokens, 2 of maxCostUsd, 4 paused by the budget. */
    budgetState: p.integer().default(0),
    createdAt: ms(),
    updatedAt: ms(),
    startedAt: ms().nullable(),
    completedAt: ms().nullable(),
  },
});

/** One earlier run of a task, as rerunTask keeps it. */
export interface TaskRun {
  attempt: number;
  output: string | null;
  error: string | null;
  startedAt: number | null;
  completedAt: number | null;
}

export const TaskEntity = defineEntity({
  name: 'Task',
  tableName: 'tasks',
  uniques: [{ properties: ['workflow', 'key'] }],
  indexes: [{ properties: ['workflow', 'status'] }, { properties: ['status'] }],
  properties: {
    id: p.uuid().primary(),
    workflow: () => p.manyToOne(WorkflowEntity).deleteRule('cascade'),
    key: p.string().length(64),
    description: p.text(),
    agent: p.string().length(64),
    orderIndex: p.integer(),
    dependsOn: p.json<string[]>(),
    dependents: p.json<string[]>(),
    /** Dependencies not yet completed; the task is READY when it reaches 0. */
    remainingDeps: p.integer(),
    status: p.string().length(32),
    /** NONE, BEFORE_RUN (waits AWAITING_APPROVAL to start) or AFTER_RUN (its output waits AWAITING_REVIEW). */
    approval: p.string().length(16).default('NONE'),
    /** A requestChanges' feedback, for the task's next run (with its previous output). */
    feedback: p.text().nullable(),
    /** Earlier runs, kept by rerunTask: { attempt, output, error, startedAt, completedAt } each (epoch ms). */
    history: p.json<TaskRun[]>().default('[]'),
    attempts: p.integer().default(0),
    /** Identifies the current execution; a runner whose lease was taken over cannot write. */
    lease: p.string().length(64).nullable(),
    output: p.text().nullable(),
    error: p.text().nullable(),
    inputTokens: p.integer().default(0),
    outputTokens: p.integer().default(0),
    durationMs: p.integer().nullable(),
    metadata: p.json<Record<string, unknown>>(),
    createdAt: ms(),
    updatedAt: ms(),
    startedAt: ms().nullable(),
    completedAt: ms().nullable(),
  },
});

export const WorkflowEventEntity = defineEntity({
  name: 'WorkflowEvent',
  tableName: 'workflow_events',
  uniques: [{ properties: ['workflow', 'seq'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    workflow: () => p.manyToOne(WorkflowEntity).deleteRule('cascade'),
    seq: p.integer(),
    kind: p.string().length(32),
    payload: p.json<unknown>(),
    at: ms(),
  },
});

/** An API key of one tenant. Only the SHA-256 of the key is stored; the key itself is shown once. */
export const ApiKeyEntity = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  indexes: [{ properties: ['tenant'] }],
  properties: {
    id: p.uuid().primary(),
    tenant: p.string().length(64),
    name: p.string().length(200).nullable(),
    role: p.string().length(16),
    keyHash: p.string().length(64).unique(),
    createdAt: ms(),
    lastUsedAt: ms().nullable(),
    revokedAt: ms().nullable(),
  },
});

/** A workflow's workspace file in PostgreSQL mode (one row per path: a write replaces it). */
export const WorkspaceFileEntity = defineEntity({
  name: 'WorkspaceFile',
  tableName: 'workspace_files',
  uniques: [{ properties: ['workflow', 'path'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    workflow: () => p.manyToOne(WorkflowEntity).deleteRule('cascade'),
    path: p.string().length(240),
    content: p.text(),
    size: p.integer(),
    writtenBy: p.string().length(64).nullable(),
    updatedAt: ms(),
  },
});

/** An MCP server a tenant's agents may use. `env` is stored for the process and never returned. */
export const ToolServerEntity = defineEntity({
  name: 'ToolServer',
  tableName: 'tool_servers',
  uniques: [{ properties: ['tenant', 'name'] }],
  properties: {
    id: p.uuid().primary(),
    tenant: p.string().length(64),
    name: p.string().length(64),
    transport: p.string().length(8),
    command: p.string().length(200).nullable(),
    args: p.json<string[]>(),
    env: p.json<Record<string, string>>(),
    url: p.string().length(2000).nullable(),
    timeoutMs: p.integer(),
    createdAt: ms(),
    updatedAt: ms(),
  },
});

/** One model call (a task's attempt, a tool-loop step, a planning call): its usage as recorded so far. */
export const ModelCallEntity = defineEntity({
  name: 'ModelCall',
  tableName: 'model_calls',
  indexes: [{ properties: ['workflowId', 'taskId'] }],
  properties: {
    id: p.uuid().primary(),
    workflowId: p.uuid(),
    /** Null for the planning call. */
    taskId: p.uuid().nullable(),
    attempt: p.integer(),
    agent: p.string().length(64),
    model: p.string().length(220),
    inputTokens: p.bigint('number').default(0),
    outputTokens: p.bigint('number').default(0),
    costUsd: p.double().default(0),
    priced: p.boolean(),
    /** Counted from the streamed text (the provider has not reported usage, or never will for it). */
    estimated: p.boolean(),
    startedAt: ms(),
    updatedAt: ms(),
  },
});

export const entities = [AgentEntity, WorkflowEntity, TaskEntity, WorkflowEventEntity, ApiKeyEntity, WorkspaceFileEntity, ToolServerEntity, ModelCallEntity];
